#pragma once
// A program's bytes held in memory, counting how often anyone read them.
#include <atomic>
#include <string>

#include "mamori/platform/ExecutableFile.h"

namespace mamori::test {

class FakeExecutableFile final : public mamori::platform::ExecutableFile {
public:
    FakeExecutableFile(std::string path, std::string content, mamori::platform::FileIdentity identity)
        : path_(std::move(path)), content_(std::move(content)), identity_(identity) {}

    const std::string& path() const override { return path_; }
    const mamori::platform::FileIdentity& identity() const override { return identity_; }
    bool read(const std::function<void(std::string_view)>& chunk) const override {
        ++reads;
        if (unreadable) return false;
        chunk(content_);
        return true;
    }

    mutable std::atomic<int> reads{0};
    bool unreadable = false;

private:
    std::string path_, content_;
    mamori::platform::FileIdentity identity_;
};

}  // namespace mamori::test
