// Meta's Node.js business SDK against the emulator. The SDK hard-codes
// https://graph.facebook.com; its base URL is a static getter, pointed at
// the emulator here (no TLS needed).
'use strict';
const sdk = require('facebook-nodejs-business-sdk');

const url = process.env.EMU_URL;
Object.defineProperty(sdk.FacebookAdsApi, 'GRAPH', { get: () => url });
sdk.FacebookAdsApi.init('sdk-test-token');

function check(cond, what) {
  if (!cond) {
    throw new Error('check failed: ' + what);
  }
  console.log('ok - ' + what);
}

async function main() {
  const account = new sdk.AdAccount('act_424242');
  const camp = await account.createCampaign([], {
    name: 'SDK campaign',
    objective: 'OUTCOME_TRAFFIC',
    status: 'PAUSED',
    special_ad_categories: [],
    daily_budget: 5000,
  });
  check(/^\d{15,18}$/.test(camp.id), 'campaign created: ' + camp.id);

  const adset = await account.createAdSet([], {
    name: 'SDK ad set',
    campaign_id: camp.id,
    billing_event: 'IMPRESSIONS',
    optimization_goal: 'REACH',
    targeting: { geo_locations: { countries: ['US'] } },
    status: 'PAUSED',
  });
  check(/^\d+$/.test(adset.id), 'ad set created: ' + adset.id);

  const creative = await account.createAdCreative([], {
    name: 'SDK creative',
    object_story_spec: {
      page_id: '1111',
      link_data: { link: 'https://shop.example', message: 'Hello' },
    },
  });
  check(/^\d+$/.test(creative.id), 'creative created: ' + creative.id);

  const ad = await account.createAd([], {
    name: 'SDK ad',
    adset_id: adset.id,
    creative: { creative_id: creative.id },
    status: 'PAUSED',
  });
  check(/^\d+$/.test(ad.id), 'ad created: ' + ad.id);

  const c = await new sdk.Campaign(camp.id).get([
    'name', 'daily_budget', 'effective_status', 'buying_type',
  ]);
  check(c.name === 'SDK campaign' && c.daily_budget === '5000',
        'campaign read back (budget as a string)');
  check(c.buying_type === 'AUCTION', 'campaign default buying_type');

  const s = await new sdk.AdSet(adset.id).get(['campaign_id', 'targeting']);
  check(s.campaign_id === camp.id, 'ad set read back');
  check(s.targeting.age_min === 18, 'targeting defaults read back');

  const a = await new sdk.Ad(ad.id).get(['name', 'creative', 'adset_id']);
  check(a.name === 'SDK ad' && a.creative.id === creative.id &&
        a.adset_id === adset.id, 'ad read back');

  const cursor = await account.getCampaigns(['name'], { limit: 10 });
  check(cursor.length === 1 && cursor[0].name === 'SDK campaign',
        'campaigns listed through the SDK cursor');

  let err = null;
  try {
    await account.createCampaign([], {
      name: 'bad', objective: 'OUTCOME_NOPE', status: 'PAUSED',
      special_ad_categories: [],
    });
  } catch (e) {
    err = e;
  }
  check(err && err.response && err.response.code === 100,
        'a bad objective is a FacebookRequestError with code 100');
}

main().catch((e) => {
  console.error('FAIL:', e && e.message ? e.message : e);
  if (e && e.response) {
    console.error(JSON.stringify(e.response));
  }
  process.exit(1);
});
