#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "mamori/proto/Certificate.h"

namespace mamori::collector {

// The collector's own certificates and how long they have left: its TLS server certificate
// (renewed with `mamori-collector renew-cert`) and its CA (which signs every terminal's
// certificate and is not renewed in place). The collector warns in its log from kWarnDays before
// either expires, at start and daily; `mamorictl status` shows them with the same warning.
class CertificateExpiry {
public:
    static constexpr int64_t kWarnDays = 90;

    struct Entry {
        std::string name;  // "server" or "ca"
        std::string subject;
        std::string fingerprint;
        int64_t not_after_unix = 0;
    };

    static Entry of(const std::string& name, const mamori::proto::Certificate& certificate);
    // server.pem and ca.pem of the collector's directory, as they are on disk now.
    static std::vector<Entry> onDisk(const std::filesystem::path& dir);

    // Whole days left (rounded down; negative once expired).
    static int64_t daysLeft(const Entry& e, int64_t now_unix);
    // Within kWarnDays of expiring, or expired.
    static bool dueSoon(const Entry& e, int64_t now_unix) { return daysLeft(e, now_unix) < kWarnDays; }
    // What to do about it, in English and Japanese.
    static std::string advice(const Entry& e, const std::filesystem::path& dir);

    // Logs every entry due soon (an error once expired), with what to do; returns how many.
    static int warn(const std::vector<Entry>& entries, int64_t now_unix, const std::filesystem::path& dir);
};

}  // namespace mamori::collector
