#include "mamori/common/KeyPairFiles.h"

#include <stdexcept>

#include "mamori/common/Files.h"

namespace mamori::common {

std::filesystem::path KeyPairFiles::staged(const std::filesystem::path& p) const {
    auto out = p;
    out += ".new";
    return out;
}

void KeyPairFiles::stageKey(const std::string& key_pem) const { Files::writeSecret(staged(key_), key_pem); }

std::optional<std::string> KeyPairFiles::stagedKey() const {
    if (!std::filesystem::exists(staged(key_))) return std::nullopt;
    return Files::read(staged(key_));
}

void KeyPairFiles::discardStagedKey() const {
    std::filesystem::remove(staged(key_));
    Files::syncDirectory(key_.parent_path());
}

void KeyPairFiles::install(const std::string& certificate_pem) const {
    if (!std::filesystem::exists(staged(key_)))
        throw std::runtime_error("no new key is staged in " + staged(key_).string() + " for the certificate to install");
    // From here on recover() completes the switch whatever happens: the certificate's presence
    // beside is the decision to switch.
    Files::writeAtomic(staged(cert_), certificate_pem, 0644);
    recover();
}

bool KeyPairFiles::recover() const {
    if (!std::filesystem::exists(staged(cert_))) return false;
    // Key first: a crash after it leaves CERT.new, which brings us back here. A staged key that
    // is gone was renamed already.
    if (std::filesystem::exists(staged(key_))) {
        std::filesystem::rename(staged(key_), key_);
        Files::syncDirectory(key_.parent_path());
    }
    std::filesystem::rename(staged(cert_), cert_);
    Files::syncDirectory(cert_.parent_path());
    return true;
}

}  // namespace mamori::common
