#include "collector/CertificateExpiry.h"

#include "mamori/common/Files.h"
#include "mamori/common/Log.h"

namespace mamori::collector {

using mamori::proto::Certificate;

CertificateExpiry::Entry CertificateExpiry::of(const std::string& name, const Certificate& c) {
    return Entry{name, c.commonName(), c.fingerprint(), c.notAfterUnix()};
}

std::vector<CertificateExpiry::Entry> CertificateExpiry::onDisk(const std::filesystem::path& dir) {
    std::vector<Entry> entries{of("server", Certificate::fromPem(common::Files::read(dir / "server.pem"))),
                               of("ca", Certificate::fromPem(common::Files::read(dir / "ca.pem")))};
    // The console's, for browsers (ConsoleCertificate), once there is one.
    if (std::filesystem::exists(dir / "console.pem"))
        entries.push_back(of("console", Certificate::fromPem(common::Files::read(dir / "console.pem"))));
    return entries;
}

int64_t CertificateExpiry::daysLeft(const Entry& e, int64_t now_unix) {
    const int64_t left = e.not_after_unix - now_unix;
    return left >= 0 ? left / 86400 : -((-left + 86399) / 86400);
}

std::string CertificateExpiry::advice(const Entry& e, const std::filesystem::path& dir) {
    if (e.name == "server")
        return "renew it with `mamori-collector renew-cert --dir " + dir.string() +
               "` and restart the collector / `mamori-collector renew-cert --dir " + dir.string() +
               "` で更新し、コレクターを再起動してください";
    if (e.name == "console")
        return "remove console.pem and console.key and restart the collector for a new one (and trust the new "
               "console-ca.pem), or install the city's own certificate there / console.pem と console.key を削除して"
               "コレクターを再起動し（新しい console-ca.pem を信頼してください）、または庁内 CA の証明書に置き換えてください";
    // A new CA means new certificates for every terminal: that is planned, not done in a minute.
    return "every terminal certificate chains to it: plan a new CA and the re-enrollment of the terminals before "
           "then / すべての端末証明書がこの CA に依存しています。期限までに新しい CA と端末の再登録を計画してください";
}

int CertificateExpiry::warn(const std::vector<Entry>& entries, int64_t now_unix, const std::filesystem::path& dir) {
    int due = 0;
    for (const auto& e : entries) {
        if (!dueSoon(e, now_unix)) continue;
        ++due;
        const int64_t days = daysLeft(e, now_unix);
        const std::string what = (e.name == "server"    ? "the collector's server certificate"
                                  : e.name == "console" ? "the console's certificate"
                                                        : "the collector's CA") +
                                 std::string(" (") + e.subject + ")";
        const std::string what_ja = e.name == "server"    ? "コレクターのサーバー証明書"
                                    : e.name == "console" ? "管理コンソールの証明書"
                                                          : "コレクターの CA 証明書";
        if (days < 0 || e.not_after_unix <= now_unix)
            Log::error(what + " has expired: agents cannot connect; " + advice(e, dir) + " / " + what_ja +
                       " の有効期限が切れています");
        else
            Log::warn(what + " expires in " + std::to_string(days) + " days; " + advice(e, dir) + " / " + what_ja +
                      " の有効期限まであと " + std::to_string(days) + " 日です");
    }
    return due;
}

}  // namespace mamori::collector
