/*
 * Amounts of money as people read them. The Marketing API counts money in
 * minor units of the account currency: cents for USD and EUR, but "the
 * basic unit for currencies like JPY, KRW" (003:L15122). Which currencies
 * have no minor unit at Meta is not in the seeds; the list below is
 * Meta's currency table (developers.facebook.com/docs/marketing-api/
 * currencies, "offset 1") [EXT].
 */
#include "render/money.h"

#include <stdio.h>
#include <string.h>

#include "util/strutil.h"
#include "util/xalloc.h"

static const struct {
	const char *code;
	const char *symbol; /* before the amount; NULL: code after */
	int exponent; /* digits after the decimal point */
} currencies[] = {
	{ "USD", "$", 2 },    { "EUR", "€", 2 },   { "GBP", "£", 2 },
	{ "JPY", "¥", 0 },    { "KRW", "₩", 0 },   { "INR", "₹", 2 },
	{ "CAD", "CA$", 2 },  { "AUD", "A$", 2 },  { "NZD", "NZ$", 2 },
	{ "BRL", "R$", 2 },   { "MXN", "MX$", 2 }, { "HKD", "HK$", 2 },
	{ "SGD", "S$", 2 },   { "TWD", "NT$", 0 }, { "CNY", "CN¥", 2 },
	{ "CHF", "CHF ", 2 }, { "SEK", NULL, 2 },  { "NOK", NULL, 2 },
	{ "DKK", NULL, 2 },   { "PLN", NULL, 2 },  { "CZK", NULL, 2 },
	{ "HUF", NULL, 0 },   { "ISK", NULL, 0 },  { "CLP", NULL, 0 },
	{ "COP", NULL, 0 },   { "CRC", "₡", 0 },   { "IDR", "Rp", 0 },
	{ "PYG", NULL, 0 },   { "VND", "₫", 0 },   { "ILS", "₪", 2 },
	{ "TRY", "₺", 2 },    { "ZAR", "R", 2 },   { "THB", "฿", 2 },
	{ "PHP", "₱", 2 },    { "MYR", "RM", 2 },  { "AED", NULL, 2 },
	{ "SAR", NULL, 2 },   { "ARS", NULL, 2 },  { "PEN", NULL, 2 },
	{ "RON", NULL, 2 },   { "BGN", NULL, 2 },  { "EGP", NULL, 2 },
	{ "NGN", "₦", 2 },    { "PKR", NULL, 2 },  { "QAR", NULL, 2 },
	{ "UAH", "₴", 2 },
};

int ads_currency_exponent(const char *code)
{
	for (size_t i = 0; code && i < ADS_ARRAY_SIZE(currencies); i++)
		if (ads_str_ieq(currencies[i].code, code))
			return currencies[i].exponent;
	return 2;
}

/* 1234567 -> "1,234,567" */
static void add_grouped(struct ads_buf *out, uint64_t v)
{
	char digits[24];
	int n = snprintf(digits, sizeof(digits), "%llu", (unsigned long long)v);

	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			ads_buf_addch(out, ',');
		ads_buf_addch(out, digits[i]);
	}
}

void ads_render_money(struct ads_buf *out, int64_t minor, const char *currency,
                      bool sign)
{
	const char *symbol = NULL;
	int exp = 2;
	uint64_t mag, unit = 1;

	for (size_t i = 0; currency && i < ADS_ARRAY_SIZE(currencies); i++)
		if (ads_str_ieq(currencies[i].code, currency)) {
			symbol = currencies[i].symbol;
			exp = currencies[i].exponent;
		}
	if (!currency) {
		/* the account did not say: the raw amount */
		if (sign && minor > 0)
			ads_buf_addch(out, '+');
		ads_buf_addf(out, "%lld", (long long)minor);
		return;
	}
	for (int i = 0; i < exp; i++)
		unit *= 10;
	mag = minor < 0 ? (uint64_t)0 - (uint64_t)minor : (uint64_t)minor;
	if (minor < 0)
		ads_buf_addch(out, '-');
	else if (sign && minor > 0)
		ads_buf_addch(out, '+');
	if (symbol)
		ads_buf_addstr(out, symbol);
	add_grouped(out, mag / unit);
	if (exp)
		ads_buf_addf(out, ".%0*llu", exp,
		             (unsigned long long)(mag % unit));
	if (!symbol)
		ads_buf_addf(out, " %s", currency);
}
