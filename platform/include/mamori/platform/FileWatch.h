#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <filesystem>
#include <functional>
#include <memory>

namespace mamori::platform {

// Tells when a file has been written anew, on the reactor. Editors and configuration tools
// save by writing a temporary file and renaming it over the old one, so the file's directory is
// watched, not the file: a rename would end a watch on the file itself.
class FileWatch {
public:
    virtual ~FileWatch() = default;
    // on_change runs once per completed write or rename onto file; the file may not exist yet.
    virtual void watch(const std::filesystem::path& file, std::function<void()> on_change) = 0;
};

std::unique_ptr<FileWatch> fileWatch(boost::asio::any_io_executor executor);

}  // namespace mamori::platform
