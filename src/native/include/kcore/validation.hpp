#pragma once
// Label syntax checks and field errors worded as k8s.io/apimachinery words them
// (validation.IsQualifiedName / IsValidLabelValue, field.Error, errors.Aggregate), for the parse
// errors kube-scheduler reports on node-selector terms (nodeaffinity.newNodeSelectorTerm).
#include <string>
#include <string_view>
#include <vector>

#include "kcore/spec.hpp"

namespace kcore {

// validation.IsQualifiedName: label keys ("[prefix/]name"); empty when valid.
std::vector<std::string> qualified_name_errors(std::string_view value);
// validation.IsValidLabelValue: empty or a qualified-name part of at most 63 characters.
std::vector<std::string> label_value_errors(std::string_view value);
// strconv.Quote (printable UTF-8 kept, escapes for quotes, backslashes, controls, bad bytes).
std::string go_quote(std::string_view s);
// fmt's %#v of a []string: []string{"a", "b"}, []string{} or []string(nil).
std::string go_string_slice(const std::vector<std::string>& values, bool nil);
// errors.Flatten(errors.NewAggregate(errs)).Error() over already flat messages: the single
// message, else "[m1, m2, ...]" with duplicates dropped.
std::string go_aggregate(const std::vector<std::string>& errors);
// The parse errors of one v1.NodeSelectorTerm under `path` (e.g. "[0]"), in upstream order:
// per matchExpressions requirement labels.NewRequirement's (key, operator/values, each value),
// then per matchFields requirement the field selector's (one value, In/NotIn only). A term
// with errors matches no node; a preferred term with errors fails NodeAffinity's PreScore.
void node_selector_term_errors(const NodeSelectorTermSpec& term, const std::string& path,
                               std::vector<std::string>& out);

}  // namespace kcore
