// What an installer or an unauthenticated client hands to enrollment: the one-time token (typed
// or pasted by a person), the CSR (POST /v1/enroll, no client certificate yet) and certificates
// in PEM. Any bytes must parse or be refused with std::invalid_argument, never crash.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "mamori/proto/Certificate.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/EnrollmentToken.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mamori::proto;
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    if (auto token = EnrollmentToken::parse(text)) {
        // Nothing is dropped on the way; the only normalisation is the fingerprint's letter case.
        const std::string out = token->str();
        if (out.size() != text.size()) std::abort();
        for (size_t i = 0; i < out.size(); ++i)
            if (std::tolower(static_cast<unsigned char>(out[i])) != std::tolower(static_cast<unsigned char>(text[i])))
                std::abort();
        if (EnrollmentToken::parse(out)->str() != out) std::abort();
        if (token->secretHash().size() != 64 || token->ca_fingerprint.size() != 64) std::abort();
    }

    try {
        const auto csr = CertificateRequest::parse(text);
        if (csr.publicKey().publicRaw().size() != 32) std::abort();  // only Ed25519 gets through
        (void)csr.commonName();
    } catch (const std::invalid_argument&) {
    }

    try {
        const auto cert = Certificate::fromPem(text);
        (void)cert.commonName();
        const auto raw = cert.publicKeyRaw();
        if (!raw.empty() && raw.size() != 32) std::abort();
        (void)cert.notAfterUnix();
        if (cert.fingerprint().size() != 64) std::abort();
        (void)cert.issuedBy(cert, 1'760'000'000);
        if (Certificate::fromPem(cert.pem()).fingerprint() != cert.fingerprint()) std::abort();
    } catch (const std::invalid_argument&) {
    }
    return 0;
}
