#include "kcore/validation.hpp"

#include <algorithm>
#include <cstdint>

#include "kcore/selector.hpp"

namespace kcore {
namespace {

constexpr std::size_t kQualifiedNameMaxLength = 63;
constexpr std::size_t kLabelValueMaxLength = 63;
constexpr std::size_t kDns1123SubdomainMaxLength = 253;
constexpr const char* kQualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr const char* kQualifiedNameErrMsg =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr const char* kLabelValueFmt = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
constexpr const char* kLabelValueErrMsg =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr const char* kDns1123SubdomainFmt =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr const char* kDns1123SubdomainErrMsg =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";

std::string max_len_error(std::size_t n) {
  return "must be no more than " + std::to_string(n) + " characters";
}

// validation.RegexError.
std::string regex_error(const std::string& msg, const char* fmt,
                        std::initializer_list<const char*> examples) {
  std::string out = msg;
  if (examples.size() == 0) return out + " (regex used for validation is '" + fmt + "')";
  out += " (e.g. ";
  bool first = true;
  for (const char* e : examples) {
    if (!first) out += " or ";
    first = false;
    out += "'";
    out += e;
    out += "', ";
  }
  return out + "regex used for validation is '" + fmt + "')";
}

bool alnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// ([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]
bool qualified_name_part(std::string_view s) {
  if (s.empty() || !alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return alnum(c) || c == '-' || c == '_' || c == '.'; });
}

// [a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*
bool dns1123_subdomain(std::string_view s) {
  auto lower_alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view label =
        s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || !lower_alnum(label.front()) || !lower_alnum(label.back())) return false;
    for (char c : label) {
      if (!lower_alnum(c) && c != '-') return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

std::vector<std::string> dns1123_subdomain_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kDns1123SubdomainMaxLength)
    errs.push_back(max_len_error(kDns1123SubdomainMaxLength));
  if (!dns1123_subdomain(value))
    errs.push_back(regex_error(kDns1123SubdomainErrMsg, kDns1123SubdomainFmt, {"example.com"}));
  return errs;
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += sep;
    out += parts[i];
  }
  return out;
}

const char* op_name(SelOp op) {
  switch (op) {
    case SelOp::kIn:
      return "In";
    case SelOp::kNotIn:
      return "NotIn";
    case SelOp::kExists:
      return "Exists";
    case SelOp::kDoesNotExist:
      return "DoesNotExist";
    case SelOp::kGt:
      return "Gt";
    case SelOp::kLt:
      return "Lt";
  }
  return "";
}

// field.Invalid(path, value, detail).Error() for a string value and a []string value.
std::string invalid(const std::string& path, std::string_view value, const std::string& detail) {
  return path + ": Invalid value: " + go_quote(value) + ": " + detail;
}
std::string invalid_list(const std::string& path, const RequirementSpec& r,
                         const std::string& detail) {
  return path + ": Invalid value: " + go_string_slice(r.values, r.values_nil) + ": " + detail;
}

}  // namespace

std::vector<std::string> qualified_name_errors(std::string_view value) {
  std::vector<std::string> errs;
  std::string_view name = value;
  std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errs.push_back(
          "a qualified name " +
          regex_error(kQualifiedNameErrMsg, kQualifiedNameFmt, {"MyName", "my.name", "123-abc"}) +
          " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errs;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errs.emplace_back("prefix part must be non-empty");
    } else {
      for (const auto& m : dns1123_subdomain_errors(prefix)) errs.push_back("prefix part " + m);
    }
  }
  if (name.empty()) {
    errs.emplace_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errs.push_back("name part " + max_len_error(kQualifiedNameMaxLength));
  }
  if (!qualified_name_part(name)) {
    errs.push_back("name part " + regex_error(kQualifiedNameErrMsg, kQualifiedNameFmt,
                                              {"MyName", "my.name", "123-abc"}));
  }
  return errs;
}

std::vector<std::string> label_value_errors(std::string_view value) {
  std::vector<std::string> errs;
  if (value.size() > kLabelValueMaxLength) errs.push_back(max_len_error(kLabelValueMaxLength));
  if (!value.empty() && !qualified_name_part(value)) {
    errs.push_back(
        regex_error(kLabelValueErrMsg, kLabelValueFmt, {"MyValue", "my_value", "12345"}));
  }
  return errs;
}

std::string go_quote(std::string_view s) {
  static const char* kHex = "0123456789abcdef";
  std::string out = "\"";
  auto hex = [&](std::uint32_t v, int digits) {
    for (int i = digits - 1; i >= 0; --i) out += kHex[(v >> (4 * i)) & 0xF];
  };
  std::size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    if (b < 0x80) {
      ++i;
      switch (b) {
        case '"':
          out += "\\\"";
          continue;
        case '\\':
          out += "\\\\";
          continue;
        case '\a':
          out += "\\a";
          continue;
        case '\b':
          out += "\\b";
          continue;
        case '\f':
          out += "\\f";
          continue;
        case '\n':
          out += "\\n";
          continue;
        case '\r':
          out += "\\r";
          continue;
        case '\t':
          out += "\\t";
          continue;
        case '\v':
          out += "\\v";
          continue;
        default:
          break;
      }
      if (b < 0x20 || b == 0x7f) {
        out += "\\x";
        hex(b, 2);
      } else {
        out += static_cast<char>(b);
      }
      continue;
    }
    // Multi-byte UTF-8: validate, then keep printable runes (C1 controls, NBSP and the soft
    // hyphen are escaped as Go's unicode.IsPrint rejects them).
    std::size_t n = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 0;
    std::uint32_t r = n == 4 ? (b & 0x07u) : n == 3 ? (b & 0x0Fu) : (b & 0x1Fu);
    bool ok = n != 0 && b < 0xF5 && i + n <= s.size();
    for (std::size_t k = 1; ok && k < n; ++k) {
      auto c = static_cast<unsigned char>(s[i + k]);
      ok = (c & 0xC0) == 0x80;
      r = (r << 6) | (c & 0x3Fu);
    }
    ok = ok && !(n == 2 && r < 0x80) && !(n == 3 && r < 0x800) && !(n == 4 && r < 0x10000) &&
         r <= 0x10FFFF && !(r >= 0xD800 && r <= 0xDFFF);
    if (!ok) {
      out += "\\x";
      hex(b, 2);
      ++i;
      continue;
    }
    if ((r >= 0x80 && r <= 0x9F) || r == 0xA0 || r == 0xAD) {
      out += "\\u";
      hex(r, 4);
    } else {
      out.append(s.substr(i, n));
    }
    i += n;
  }
  return out + "\"";
}

std::string go_string_slice(const std::vector<std::string>& values, bool nil) {
  if (nil && values.empty()) return "[]string(nil)";
  std::string out = "[]string{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i) out += ", ";
    out += go_quote(values[i]);
  }
  return out + "}";
}

std::string go_aggregate(const std::vector<std::string>& errors) {
  if (errors.empty()) return "";
  if (errors.size() == 1) return errors[0];
  std::vector<std::string> seen;
  for (const auto& e : errors) {
    if (std::find(seen.begin(), seen.end(), e) == seen.end()) seen.push_back(e);
  }
  if (seen.size() == 1) return seen[0];
  return "[" + join(seen, ", ") + "]";
}

void node_selector_term_errors(const NodeSelectorTermSpec& term, const std::string& path,
                               std::vector<std::string>& out) {
  // Paths are built only for the requirements that fail (the common case allocates nothing).
  for (std::size_t i = 0; i < term.match_expressions.size(); ++i) {
    const RequirementSpec& r = term.match_expressions[i];
    auto p = [&]() { return path + ".matchExpressions[" + std::to_string(i) + "]"; };
    auto key_errs = qualified_name_errors(r.key);
    if (!key_errs.empty()) out.push_back(invalid(p() + ".key", r.key, join(key_errs, "; ")));
    switch (r.op) {
      case SelOp::kIn:
      case SelOp::kNotIn:
        if (r.values.empty()) {
          out.push_back(invalid_list(p() + ".values", r,
                                     "for 'in', 'notin' operators, values set can't be empty"));
        }
        break;
      case SelOp::kExists:
      case SelOp::kDoesNotExist:
        if (!r.values.empty()) {
          out.push_back(invalid_list(p() + ".values", r,
                                     "values set must be empty for exists and does not exist"));
        }
        break;
      case SelOp::kGt:
      case SelOp::kLt:
        if (r.values.size() != 1) {
          out.push_back(invalid_list(p() + ".values", r,
                                     "for 'Gt', 'Lt' operators, exactly one value is required"));
        }
        for (std::size_t j = 0; j < r.values.size(); ++j) {
          if (!parse_int64(r.values[j])) {
            out.push_back(invalid(p() + ".values[" + std::to_string(j) + "]", r.values[j],
                                  "for 'Gt', 'Lt' operators, the value must be an integer"));
          }
        }
        break;
    }
    for (std::size_t j = 0; j < r.values.size(); ++j) {
      auto value_errs = label_value_errors(r.values[j]);
      if (!value_errs.empty()) {
        out.push_back(invalid(p() + ".values[" + std::to_string(j) + "][" + r.key + "]",
                              r.values[j], join(value_errs, "; ")));
      }
    }
  }
  for (std::size_t i = 0; i < term.match_fields.size(); ++i) {
    const RequirementSpec& r = term.match_fields[i];
    auto p = [&]() { return path + ".matchFields[" + std::to_string(i) + "]"; };
    if (r.op == SelOp::kIn || r.op == SelOp::kNotIn) {
      if (r.values.size() != 1)
        out.push_back(invalid_list(p() + ".values", r, "must have one element"));
    } else {
      out.push_back(p() + ".operator: Unsupported value: " + go_quote(op_name(r.op)) +
                    ": supported values: \"In\", \"NotIn\"");
    }
  }
}

}  // namespace kcore
