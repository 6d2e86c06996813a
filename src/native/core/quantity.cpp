// Quantity grammar (k8s.io/apimachinery/pkg/api/resource/quantity.go):
//   <quantity>     ::= <signedNumber><suffix>
//   <signedNumber> ::= [+-] <digits> | [+-] <digits>.<digits> | [+-] .<digits> | [+-] <digits>.
//   <suffix>       ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>     ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>    ::= n | u | m | "" | k | M | G | T | P | E
//   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>   (integer exponent)
// The value is computed exactly with a decimal digit vector, then rounded up (towards +inf for
// positive values, as Quantity rounds away from zero) to units or milli-units.
#include "kcore/quantity.hpp"

#include <algorithm>
#include <vector>

namespace kcore {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

QuantityResult fail(std::string_view text, const std::string& why) {
  QuantityResult r;
  r.error = "quantity '" + std::string(text) + "': " + why;
  return r;
}

}  // namespace

QuantityResult parse_quantity(std::string_view text, bool milli, bool allow_negative) {
  if (text.empty()) return fail(text, "empty quantity");
  std::size_t i = 0;
  bool negative = false;
  if (text[i] == '+' || text[i] == '-') {
    negative = text[i] == '-';
    ++i;
  }
  std::string digits;  // integer and fraction digits, concatenated
  std::size_t int_digits = 0, frac_digits = 0;
  while (i < text.size() && is_digit(text[i])) {
    digits.push_back(text[i]);
    ++i;
    ++int_digits;
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    while (i < text.size() && is_digit(text[i])) {
      digits.push_back(text[i]);
      ++i;
      ++frac_digits;
    }
  }
  if (int_digits + frac_digits == 0)
    return fail(text,
                "quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  // Suffix.
  std::string_view suffix = text.substr(i);
  long long exp10 = 0;
  int pow1024 = 0;
  if (suffix.empty()) {
  } else if (suffix.size() == 2 && suffix[1] == 'i') {
    switch (suffix[0]) {
      case 'K':
        pow1024 = 1;
        break;
      case 'M':
        pow1024 = 2;
        break;
      case 'G':
        pow1024 = 3;
        break;
      case 'T':
        pow1024 = 4;
        break;
      case 'P':
        pow1024 = 5;
        break;
      case 'E':
        pow1024 = 6;
        break;
      default:
        return fail(text, "unable to parse quantity's suffix");
    }
  } else if (suffix.size() == 1 && suffix[0] != 'e' && suffix[0] != 'E') {
    switch (suffix[0]) {
      case 'n':
        exp10 = -9;
        break;
      case 'u':
        exp10 = -6;
        break;
      case 'm':
        exp10 = -3;
        break;
      case 'k':
        exp10 = 3;
        break;
      case 'M':
        exp10 = 6;
        break;
      case 'G':
        exp10 = 9;
        break;
      case 'T':
        exp10 = 12;
        break;
      case 'P':
        exp10 = 15;
        break;
      default:
        return fail(text, "unable to parse quantity's suffix");
    }
  } else if (suffix[0] == 'e' || suffix[0] == 'E') {
    std::size_t j = 1;
    bool eneg = false;
    if (j < suffix.size() && (suffix[j] == '+' || suffix[j] == '-')) {
      eneg = suffix[j] == '-';
      ++j;
    }
    if (j >= suffix.size()) return fail(text, "unable to parse quantity's suffix");
    long long e = 0;
    for (; j < suffix.size(); ++j) {
      if (!is_digit(suffix[j])) return fail(text, "unable to parse quantity's suffix");
      e = e * 10 + (suffix[j] - '0');
      if (e > 100000) return fail(text, "exponent out of range");
    }
    exp10 = eneg ? -e : e;
  } else {
    return fail(text, "unable to parse quantity's suffix");
  }
  // Digit vector, least significant first.
  std::vector<int> d;
  d.reserve(digits.size() + 24);
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) d.push_back(*it - '0');
  for (int k = 0; k < pow1024; ++k) {
    int carry = 0;
    for (auto& x : d) {
      int v = x * 1024 + carry;
      x = v % 10;
      carry = v / 10;
    }
    while (carry) {
      d.push_back(carry % 10);
      carry /= 10;
    }
  }
  // value = d * 10^(exp10 - frac_digits + (milli ? 3 : 0))
  long long shift = exp10 - static_cast<long long>(frac_digits) + (milli ? 3 : 0);
  bool any_nonzero = std::any_of(d.begin(), d.end(), [](int x) { return x != 0; });
  if (!any_nonzero) {
    QuantityResult r;
    r.ok = true;
    r.value = 0;
    return r;
  }
  if (negative && !allow_negative) return fail(text, "must be greater than or equal to 0");
  bool frac_nonzero = false;
  std::vector<int> intpart;
  if (shift >= 0) {
    if (shift > 40) return fail(text, "value out of range");
    intpart.assign(static_cast<std::size_t>(shift), 0);
    intpart.insert(intpart.end(), d.begin(), d.end());
  } else {
    std::size_t drop = static_cast<std::size_t>(-shift);
    for (std::size_t k = 0; k < std::min(drop, d.size()); ++k) frac_nonzero |= d[k] != 0;
    if (drop < d.size()) intpart.assign(d.begin() + static_cast<long>(drop), d.end());
  }
  while (!intpart.empty() && intpart.back() == 0) intpart.pop_back();
  if (intpart.size() > 19) return fail(text, "value out of range");
  unsigned __int128 v = 0;
  for (auto it = intpart.rbegin(); it != intpart.rend(); ++it)
    v = v * 10 + static_cast<unsigned>(*it);
  // Round away from zero (ceil for positive values).
  if (frac_nonzero) v += 1;
  if (v > static_cast<unsigned __int128>(INT64_MAX)) return fail(text, "value out of range");
  QuantityResult r;
  r.ok = true;
  r.value = negative ? -static_cast<std::int64_t>(v) : static_cast<std::int64_t>(v);
  return r;
}

}  // namespace kcore
