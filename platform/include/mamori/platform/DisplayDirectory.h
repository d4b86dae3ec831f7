#pragma once
#include <boost/asio/any_io_executor.hpp>
#include <functional>
#include <memory>
#include <set>
#include <string>

namespace mamori::platform {

// Which graphical displays this terminal has, and a call whenever one appears or goes away,
// so that a display started after the agent (the next logon) is watched too.
class DisplayDirectory {
public:
    using Listener = std::function<void(const std::set<std::string>& displays)>;
    virtual ~DisplayDirectory() = default;
    virtual std::set<std::string> present() const = 0;
    virtual void watch(Listener listener) = 0;
};

std::unique_ptr<DisplayDirectory> displayDirectory(boost::asio::any_io_executor executor);

}  // namespace mamori::platform
