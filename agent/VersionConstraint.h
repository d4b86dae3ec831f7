#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "agent/DpkgVersion.h"

namespace mamori::agent {

// "OP VERSION" as in a Debian relationship field: >=, <=, >>, <<, =. Software past vendor
// support must not be used (004:951): ">= 115" keeps old releases out of the allowlist.
class VersionConstraint {
public:
    enum class Op { AtLeast, AtMost, Above, Below, Exactly };

    // nullopt when the operator or the version is not valid.
    static std::optional<VersionConstraint> parse(std::string_view text);

    bool satisfiedBy(const DpkgVersion& v) const;
    // An installed version that is not even a valid Debian version satisfies nothing.
    bool satisfiedBy(std::string_view version) const;
    std::string str() const;

private:
    VersionConstraint(Op op, DpkgVersion v) : op_(op), version_(std::move(v)) {}
    Op op_;
    DpkgVersion version_;
};

}  // namespace mamori::agent
