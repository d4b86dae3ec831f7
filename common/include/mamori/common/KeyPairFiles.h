#pragma once
#include <filesystem>
#include <optional>
#include <string>

namespace mamori::common {

// A private key and its certificate, replaced together so that a crash at any moment leaves a
// pair that matches: the new key is staged beside the old one (KEY.new, 0600) and kept until its
// certificate arrives; install() writes the certificate beside too (CERT.new), then renames the
// key and the certificate over the old ones. A crash between those renames is finished by
// recover(), which the owner calls before it reads the pair. The old key is never removed before
// the new certificate is on disk, so nothing is lost however the renewal ends.
class KeyPairFiles {
public:
    KeyPairFiles(std::filesystem::path key, std::filesystem::path certificate)
        : key_(std::move(key)), cert_(std::move(certificate)) {}

    // Writes the new key (mode 0600 from the first byte, atomically) to KEY.new.
    void stageKey(const std::string& key_pem) const;
    // The staged key, when there is one (kept from an attempt a crash or a refusal interrupted).
    std::optional<std::string> stagedKey() const;
    // Drops the staged key (the collector refused it for good).
    void discardStagedKey() const;
    // Installs the certificate of the staged key. Throws std::runtime_error when nothing is staged.
    void install(const std::string& certificate_pem) const;
    // Finishes an install() a crash interrupted; returns whether there was one to finish.
    bool recover() const;

    const std::filesystem::path& keyFile() const { return key_; }
    const std::filesystem::path& certificateFile() const { return cert_; }

private:
    std::filesystem::path staged(const std::filesystem::path& p) const;
    std::filesystem::path key_, cert_;
};

}  // namespace mamori::common
