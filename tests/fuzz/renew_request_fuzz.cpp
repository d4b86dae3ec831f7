// The body of POST /v1/renew: bytes from a terminal that TLS has authenticated but whose request
// is not yet trusted (a stolen-then-renewed key, a broken agent, a fuzzer). Any bytes must be
// refused with a 400 or 409 that says why, or be an honest request answered with a certificate of
// this CA for the caller's terminal and the key it brought; never a crash, never a certificate for
// another terminal or a key the terminal already holds.
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "collector/CertificateAuthority.h"
#include "collector/Store.h"
#include "collector/TerminalRenewal.h"
#include "mamori/common/Log.h"
#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/v1/api.pb.h"

namespace {

using mamori::proto::Certificate;
using mamori::proto::Ed25519Key;

constexpr char kTerminal[] = "fuzz-pc";

// One collector (store and CA) with the terminal enrolled, kept for the whole run, on tmpfs.
struct Collector {
    std::filesystem::path dir;
    std::unique_ptr<mamori::collector::Store> store;
    std::optional<mamori::collector::CertificateAuthority> ca;
    Ed25519Key event_key = Ed25519Key::generate();

    Collector() {
        mamori::Log::setLevel(mamori::Log::Level::Error);
        google::protobuf::SetLogHandler(nullptr);
        std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        dir = base / ("mamori-fuzz-renew-" + std::to_string(getpid()));
        std::filesystem::remove_all(dir);
        std::filesystem::create_directories(dir);
        store = mamori::collector::openStore("sqlite:" + (dir / "store.db").string());
        ca.emplace(mamori::collector::CertificateAuthority::create(dir / "ca", "fuzz"));
        mamori::collector::TerminalRecord t;
        t.id = kTerminal;
        t.hostname = kTerminal;
        t.group = "fuzz";
        t.public_key = event_key.publicRaw();
        t.certificate_pem = ca->issueClient(event_key, kTerminal, std::chrono::days(1));
        store->addTerminal(t);
    }
    ~Collector() {
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

Collector& collector() {
    static Collector c;
    return c;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    Collector& c = collector();
    const auto terminal = c.store->terminal(kTerminal);
    if (!terminal) std::abort();
    mamori::collector::TerminalRenewal renewal(*c.store, *c.ca, std::chrono::hours(1));
    // The bytes as the whole body, and as the CSR of a well-formed body: the second reaches the
    // certificate request parser without the fuzzer having to learn protobuf first.
    mamori::v1::RenewRequest wrapped;
    wrapped.set_csr_pem(std::string(reinterpret_cast<const char*>(data), size));
    for (const std::string& body : {std::string(reinterpret_cast<const char*>(data), size), wrapped.SerializeAsString()}) {
        const auto r = renewal.renew(*terminal, body);
        if (r.http_status == 200) {
            mamori::v1::RenewResponse res;
            if (!res.ParseFromString(r.body) || !r.error.empty()) std::abort();
            const auto cert = Certificate::fromPem(res.certificate_pem());
            if (cert.commonName() != kTerminal) std::abort();
            if (cert.publicKeyRaw() == terminal->public_key || cert.publicKeyRaw() == terminal->tls_public_key) std::abort();
            if (!cert.issuedBy(c.ca->certificate(), cert.notBeforeUnix() + 1)) std::abort();
            if (c.store->terminal(kTerminal)->pending_public_key != cert.publicKeyRaw()) std::abort();
        } else if ((r.http_status != 400 && r.http_status != 409) || r.body.empty() || r.error.empty()) {
            std::abort();
        }
    }
    return 0;
}
