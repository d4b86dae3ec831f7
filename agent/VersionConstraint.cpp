#include "agent/VersionConstraint.h"

#include <array>
#include <utility>

namespace mamori::agent {

namespace {
// Longest first, so ">=" is not read as ">" followed by "=7.4".
constexpr std::array<std::pair<std::string_view, VersionConstraint::Op>, 5> kOps = {{
    {">=", VersionConstraint::Op::AtLeast},
    {"<=", VersionConstraint::Op::AtMost},
    {">>", VersionConstraint::Op::Above},
    {"<<", VersionConstraint::Op::Below},
    {"=", VersionConstraint::Op::Exactly},
}};
}  // namespace

std::optional<VersionConstraint> VersionConstraint::parse(std::string_view text) {
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    for (const auto& [word, op] : kOps) {
        if (!text.starts_with(word)) continue;
        auto v = DpkgVersion::parse(text.substr(word.size()));
        if (!v) return std::nullopt;
        return VersionConstraint(op, std::move(*v));
    }
    return std::nullopt;
}

bool VersionConstraint::satisfiedBy(const DpkgVersion& v) const {
    const int c = DpkgVersion::compare(v, version_);
    switch (op_) {
        case Op::AtLeast: return c >= 0;
        case Op::AtMost: return c <= 0;
        case Op::Above: return c > 0;
        case Op::Below: return c < 0;
        case Op::Exactly: return c == 0;
    }
    return false;
}

bool VersionConstraint::satisfiedBy(std::string_view version) const {
    auto v = DpkgVersion::parse(version);
    return v && satisfiedBy(*v);
}

std::string VersionConstraint::str() const {
    for (const auto& [word, op] : kOps) {
        if (op == op_) return std::string(word) + " " + version_.str();
    }
    return version_.str();
}

}  // namespace mamori::agent
