#pragma once
#include <string>

#include "mamori/platform/ExecutableFile.h"

namespace mamori::platform {

// A program file held open by its descriptor, which this owns and closes: what it reads is the
// file the kernel started, whatever its path names by then. A descriptor of -1 is a file that
// must not be read (one a FUSE or network server would have to serve): read() says so at once.
class OpenExecutable final : public ExecutableFile {
public:
    OpenExecutable(int fd, std::string path, FileIdentity identity)
        : fd_(fd), path_(std::move(path)), identity_(identity) {}
    ~OpenExecutable() override;
    OpenExecutable(const OpenExecutable&) = delete;
    OpenExecutable& operator=(const OpenExecutable&) = delete;

    int fd() const { return fd_; }
    const std::string& path() const override { return path_; }
    const FileIdentity& identity() const override { return identity_; }
    bool read(const std::function<void(std::string_view)>& chunk) const override;

private:
    int fd_;
    std::string path_;
    FileIdentity identity_;
};

}  // namespace mamori::platform
