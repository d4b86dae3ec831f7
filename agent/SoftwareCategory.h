#pragma once
#include <string_view>
#include <vector>

namespace mamori::agent {

// A built-in class of software a policy can deny by name ("p2p"), recognised by Debian package
// name and by the names of the programs it installs (which catches a copy run from a home
// directory, where no package owns it).
class SoftwareCategory {
public:
    // The built-in category of that name, or null.
    static const SoftwareCategory* find(std::string_view name);
    static const std::vector<const SoftwareCategory*>& all();

    std::string_view name() const { return name_; }
    bool matchesPackage(std::string_view package) const;
    bool matchesProgram(std::string_view file_name) const;

    SoftwareCategory(std::string_view name, std::vector<std::string_view> packages, std::vector<std::string_view> programs)
        : name_(name), packages_(std::move(packages)), programs_(std::move(programs)) {}

private:
    std::string_view name_;
    std::vector<std::string_view> packages_;
    std::vector<std::string_view> programs_;
};

}  // namespace mamori::agent
