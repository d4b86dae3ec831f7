#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace mamori::proto {

// The one-time enrollment token an administrator hands to an installer:
//   mamori1.<secret, base64url>.<SHA-256 fingerprint of the collector's CA, hex>
// The fingerprint lets a terminal that knows nothing yet authenticate the collector before it
// sends anything: the CA it is shown must hash to the pin, or enrollment stops.
struct EnrollmentToken {
    std::string secret;
    std::string ca_fingerprint;

    std::string str() const { return "mamori1." + secret + "." + ca_fingerprint; }
    std::string secretHash() const;  // what the collector stores: never the secret itself

    static EnrollmentToken generate(const std::string& ca_fingerprint);
    static std::optional<EnrollmentToken> parse(std::string_view text);
};

}  // namespace mamori::proto
