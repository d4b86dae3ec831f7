#pragma once
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "collector/AdminAnswer.h"
#include "collector/CertificateAuthority.h"
#include "collector/CertificateExpiry.h"
#include "collector/HttpsServer.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"

namespace mamori::collector {

// The admin endpoints of the lifecycle of terminals and certificates, answered for AdminApi once
// it has authenticated the user:
//   GET  /admin/v1/status                      the collector's certificates (expiry, 90-day warning), counts
//   POST /admin/v1/terminals/decommission      {"terminal", "reason"}: out of service, evidence kept
//   GET  /admin/v1/enroll-tokens               every enrollment token and its state
//   POST /admin/v1/enroll-tokens/revoke        {"id"}: an unused token refuses enrollment from then on
// Refusals are common::UserError, which AdminApi answers in English and Japanese.
class LifecycleApi {
public:
    struct Settings {
        std::filesystem::path home;                     // server.pem and ca.pem as they are on disk
        std::vector<CertificateExpiry::Entry> served;  // the certificates loaded at start
        // How long a decommissioned terminal's evidence may still be exported and verified: the
        // certificate vouching for its event key is re-issued for that long.
        std::chrono::seconds evidence_kept = std::chrono::days(3 * 366);
    };

    LifecycleApi(Store& store, const LocalCalendar& calendar, const CertificateAuthority& ca, Settings settings)
        : store_(store), calendar_(calendar), ca_(ca), settings_(std::move(settings)), answer_(calendar) {}

    // The answer when the request is one of these endpoints; nullopt for any other.
    std::optional<HttpResponse> handle(const HttpRequest& req, const std::string& path, const AdminUser& user);

private:
    HttpResponse status(const HttpRequest& req, const AdminUser& user);
    HttpResponse decommission(const HttpRequest& req, const AdminUser& user);
    HttpResponse tokens(const HttpRequest& req, const AdminUser& user);
    HttpResponse revokeToken(const HttpRequest& req, const AdminUser& user);

    Store& store_;
    const LocalCalendar& calendar_;
    const CertificateAuthority& ca_;
    Settings settings_;
    AdminAnswer answer_;
};

}  // namespace mamori::collector
