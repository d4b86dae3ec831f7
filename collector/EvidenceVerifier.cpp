#include "collector/EvidenceVerifier.h"

#include <stdexcept>

#include "collector/EvidenceExport.h"
#include "mamori/proto/Certificate.h"
#include "mamori/proto/ChainVerifier.h"
#include "mamori/common/Files.h"

namespace mamori::collector {

using mamori::proto::Certificate;
using mamori::proto::ChainFault;
using mamori::proto::ChainVerifier;
using mamori::proto::Continuation;

namespace {

EvidenceVerifier::Verdict failed(std::string en, std::string ja, std::optional<uint64_t> seq = std::nullopt) {
    EvidenceVerifier::Verdict v;
    v.reason = std::move(en);
    v.reason_ja = std::move(ja);
    v.bad_seq = seq;
    return v;
}

std::optional<Certificate> certificate(const std::string& pem) {
    try {
        return Certificate::fromPem(pem);
    } catch (const std::exception&) {
        return std::nullopt;
    }
}

}  // namespace

mamori::v1::EvidenceBundle EvidenceVerifier::read(const std::string& path) {
    mamori::v1::EvidenceBundle b;
    if (!b.ParseFromString(mamori::common::Files::read(path)) || b.format() != EvidenceExport::kFormat)
        throw std::runtime_error(path + " is not a mamori evidence bundle (" + EvidenceExport::kFormat +
                                 ")\n" + path + " は mamori の証跡ファイルではありません。");
    return b;
}

EvidenceVerifier::Verdict EvidenceVerifier::verify(const mamori::v1::EvidenceBundle& b,
                                                   const std::string& pinned_ca_pem) {
    if (b.format() != EvidenceExport::kFormat)
        return failed("not a mamori evidence bundle", "mamori の証跡ファイルではありません");
    const auto ca = certificate(b.ca_certificate_pem());
    if (!ca) return failed("the CA certificate in the bundle is unreadable", "バンドル内の CA 証明書が読めません");
    if (!pinned_ca_pem.empty()) {
        const auto pinned = certificate(pinned_ca_pem);
        if (!pinned) return failed("the CA certificate given to check against is unreadable", "指定された CA 証明書が読めません");
        if (pinned->fingerprint() != ca->fingerprint())
            return failed("the bundle's CA (" + ca->fingerprint() + ") is not the CA given (" + pinned->fingerprint() + ")",
                          "バンドルの CA が指定された CA と一致しません");
    }
    const auto cert = certificate(b.terminal_certificate_pem());
    if (!cert) return failed("the terminal certificate in the bundle is unreadable", "端末証明書が読めません");
    // At the time of export: the certificate the collector held for the terminal then.
    if (!cert->issuedBy(*ca, b.exported_unix()))
        return failed("the terminal certificate was not issued by the CA " + ca->fingerprint() +
                          " (or was not valid when the bundle was exported)",
                      "端末証明書はこの CA が発行したものではありません（または出力時点で有効期間外です）");
    if (cert->commonName() != b.terminal_id())
        return failed("the certificate names terminal '" + cert->commonName() + "', the bundle '" + b.terminal_id() + "'",
                      "証明書の端末名とバンドルの端末名が一致しません");
    if (b.events().empty()) return failed("the bundle holds no events", "イベントが含まれていません");
    if (b.head_hash().size() != 32) return failed("the chain head is malformed", "チェーンの起点が不正です");

    const ChainVerifier chain(b.terminal_id(), mamori::proto::Ed25519Key::fromPublicRaw(cert->publicKeyRaw()));
    const auto check = chain.checkAll(b.events(), {b.head_seq(), b.head_hash()});
    if (!check.ok()) {
        // The event's own seq when its body still reads, else the seq its position calls for.
        mamori::v1::EventBody body;
        const uint64_t seq = body.ParseFromString(b.events(static_cast<int>(check.index)).body()) && body.seq() != 0
                                 ? body.seq()
                                 : b.head_seq() + 1 + check.index;
        return failed(check.detail + " (" + ChainVerifier::name(check.fault) + ")",
                      "seq " + std::to_string(seq) + " の証跡が改ざん・欠落・偽造されています", seq);
    }
    const uint64_t first = check.bodies.front().seq(), last = check.bodies.back().seq();
    switch (check.continuation) {
        case Continuation::Next: break;
        case Continuation::Gap:
            return failed("the chain head is seq " + std::to_string(b.head_seq()) + " but the first event is seq " +
                              std::to_string(first) + ": seq " + std::to_string(b.head_seq() + 1) + " to " +
                              std::to_string(first - 1) + " are missing",
                          "seq " + std::to_string(b.head_seq() + 1) + "〜" + std::to_string(first - 1) + " が欠落しています",
                          b.head_seq() + 1);
        case Continuation::Fork:
            return failed("the first event, seq " + std::to_string(first) + ", does not link to the chain head",
                          "最初のイベント seq " + std::to_string(first) + " がチェーンの起点につながりません", first);
        case Continuation::Replay:
        case Continuation::Overlap:
            return failed("the chain head, seq " + std::to_string(b.head_seq()) + ", is not before the first event, seq " +
                              std::to_string(first),
                          "チェーンの起点が最初のイベントより後になっています", first);
    }
    Verdict v;
    v.ok = true;
    v.ca_fingerprint = ca->fingerprint();
    v.summary = std::to_string(b.events_size()) + " events of terminal " + b.terminal_id() + ", seq " +
                std::to_string(first) + " to " + std::to_string(last) + " (" + b.from_date() + " to " + b.to_date() +
                ", " + b.time_zone() + "): every hash links " +
                (b.head_from_store() ? "from the chain head at seq " + std::to_string(b.head_seq())
                                     : std::string("(the events before seq ") + std::to_string(first) +
                                           " were removed by retention or never arrived)") +
                " and every signature verifies with the key of the terminal's certificate, issued by CA " +
                ca->fingerprint();
    return v;
}

}  // namespace mamori::collector
