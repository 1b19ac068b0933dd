/* Amounts of money in the account currency, for people. */
#ifndef ADS_RENDER_MONEY_H
#define ADS_RENDER_MONEY_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"

/* Digits after the decimal point of a currency (2 unless listed). */
int ads_currency_exponent(const char *code);
/*
 * Appends an amount given in minor units of currency: "$25.00",
 * "€1,234.50", "¥2,500", "1,000.00 SEK"; with sign, a "+" before
 * positive amounts. Without a currency, the raw number.
 */
void ads_render_money(struct ads_buf *out, int64_t minor, const char *currency,
                      bool sign);

#endif
