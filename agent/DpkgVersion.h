#pragma once
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mamori::agent {

// A Debian package version, [epoch:]upstream[-revision], ordered exactly as dpkg orders it
// (deb-version(7)): so "firefox-esr >= 115" in a policy means what `dpkg --compare-versions`
// means, including 1.0~rc1 < 1.0 and 2:1.0 > 9.9.
class DpkgVersion {
public:
    // nullopt when text is not a valid Debian version (empty, spaces, bad epoch, empty
    // upstream or revision, characters dpkg rejects).
    static std::optional<DpkgVersion> parse(std::string_view text);

    uint64_t epoch() const { return epoch_; }
    const std::string& upstream() const { return upstream_; }
    const std::string& revision() const { return revision_; }
    std::string str() const;

    // <0, 0, >0 like dpkg's verrevcmp.
    static int compare(const DpkgVersion& a, const DpkgVersion& b);
    friend std::strong_ordering operator<=>(const DpkgVersion& a, const DpkgVersion& b) {
        return compare(a, b) <=> 0;
    }
    friend bool operator==(const DpkgVersion& a, const DpkgVersion& b) { return compare(a, b) == 0; }

private:
    uint64_t epoch_ = 0;
    std::string upstream_;
    std::string revision_;
};

}  // namespace mamori::agent
