#include "collector/TerminalAdmission.h"

namespace mamori::collector {

namespace {

TerminalAdmission::Verdict refused(unsigned status, std::string refusal, std::string log) {
    TerminalAdmission::Verdict v;
    v.http_status = status;
    v.refusal = std::move(refusal);
    v.log = std::move(log);
    return v;
}

}  // namespace

std::string TerminalAdmission::decommissioned(const TerminalRecord& t) {
    const std::string why = t.decommission_reason.empty() ? "" : " (" + t.decommission_reason + ")";
    return "terminal " + t.id + " is decommissioned" + why +
           "; its certificate is no longer accepted. To put this machine back in service, enroll it again with a "
           "new token / 端末 " + t.id + " は廃止されています" + why +
           "。この証明書は受け付けません。再び使うときは新しいトークンで登録し直してください";
}

TerminalAdmission::Verdict TerminalAdmission::judge(const mamori::proto::Certificate& caller, int64_t now_unix) {
    const std::string id = caller.commonName();
    const std::string key = caller.publicKeyRaw();
    // The handshake checked the dates, but a resumed session does not repeat that check: a
    // certificate that has expired since is refused here, by the collector's clock.
    if (caller.notAfterUnix() < now_unix)
        return refused(401,
                       "the certificate of terminal " + id +
                           " has expired; enroll the terminal again with a new token / 端末 " + id +
                           " の証明書は有効期限が切れています。新しいトークンで登録し直してください",
                       "an expired certificate of terminal " + id + " (refused)");
    auto terminal = store_.terminal(id);
    if (!terminal)
        return refused(403, "unknown terminal / 登録されていない端末です",
                       "a certificate for unknown terminal '" + id + "'");
    if (terminal->decommissioned_unix != 0)
        return refused(403, decommissioned(*terminal),
                       "the certificate of decommissioned terminal " + id + " (refused)");
    bool adopted = false;
    if (!key.empty() && key == terminal->pending_public_key) {
        // First use of a renewed certificate: from now on the one before is refused. Another
        // collector may have adopted it a moment ago; reading again tells either way.
        adopted = store_.adoptPendingCertificate(id, key, now_unix);
        terminal = store_.terminal(id);
        if (!terminal) return refused(403, "unknown terminal / 登録されていない端末です", "terminal '" + id + "' vanished");
    }
    if (key.empty() || key != terminal->tls_public_key)
        return refused(403,
                       "this is not the current certificate of terminal " + id +
                           " (it was renewed since); use the current one / この証明書は端末 " + id +
                           " の現在の証明書ではありません（更新済みです）",
                       "a replaced certificate of terminal " + id + " (refused)");
    Verdict v;
    v.terminal = std::move(terminal);
    v.adopted = adopted;
    return v;
}

}  // namespace mamori::collector
