#pragma once
// A USB bus the test plugs devices into; it behaves like the kernel's authorization switches
// (authorizing a device creates its interfaces, unauthorized) and records every call.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "mamori/platform/UsbBus.h"

namespace mamori::test {

class FakeUsbBus final : public mamori::platform::UsbBus {
public:
    using Info = mamori::platform::UsbDeviceInfo;

    std::vector<Info> enumerate() override {
        std::vector<Info> out;
        for (auto& [n, d] : devices_) out.push_back(d);
        return out;
    }
    // As the kernel's bus: the names only through describe().
    std::optional<Info> device(const std::string& name) override {
        ++reads_;
        auto it = devices_.find(name);
        if (it == devices_.end()) return std::nullopt;
        Info d = it->second;
        d.manufacturer.clear();
        d.product.clear();
        return d;
    }
    void describe(Info& d) override {
        ++describes_;
        auto it = devices_.find(d.name);
        if (it == devices_.end()) return;
        d.manufacturer = it->second.manufacturer;
        d.product = it->second.product;
    }
    void watch(ChangeHandler h) override { handler_ = std::move(h); }
    int blockNewDevices() override {
        blocked_new_ = true;
        return 1;
    }
    bool authorizeDevice(const std::string& name, bool a) override {
        auto it = devices_.find(name);
        if (it == devices_.end()) return false;
        auto& d = it->second;
        d.authorized = a;
        d.interfaces.clear();
        if (a) {
            for (auto i : d.declared_interfaces) {
                i.name = name + ":1." + std::to_string(i.number);
                i.authorized = !blocked_new_;
                d.interfaces.push_back(i);
            }
        }
        return true;
    }
    bool authorizeWholeDevice(const std::string& name) override {
        if (!authorizeDevice(name, true)) return false;
        for (auto& i : devices_.at(name).interfaces) i.authorized = true;
        ++whole_;
        describes_at_whole_ = describes_;
        return true;
    }
    bool authorizeInterface(const std::string& name, bool a) override {
        ++interface_writes_;
        for (auto& [n, d] : devices_)
            for (auto& i : d.interfaces)
                if (i.name == name) {
                    i.authorized = a;
                    return true;
                }
        return false;
    }
    void keepReadOnly(const std::string& name, bool ro) override {
        if (ro) read_only_.insert(name);
        else read_only_.erase(name);
    }

    // The test's hands: plug (the kernel leaves it unauthorized once blockNewDevices ran).
    void plug(Info d, bool announce = true) {
        d.authorized = false;
        d.interfaces.clear();
        const std::string name = d.name;
        devices_[name] = d;
        if (!blocked_new_) authorizeDevice(name, true);
        if (announce && handler_) handler_({mamori::platform::UsbChange::Kind::Added, name});
    }
    // Present before the agent started, already working.
    void present(Info d) {
        devices_[d.name] = d;
        bool saved = blocked_new_;
        blocked_new_ = false;
        authorizeDevice(d.name, true);
        blocked_new_ = saved;
    }
    void unplug(const std::string& name) {
        devices_.erase(name);
        if (handler_) handler_({mamori::platform::UsbChange::Kind::Removed, name});
    }

    const Info& at(const std::string& name) { return devices_.at(name); }
    bool interfaceAuthorized(const std::string& dev, uint8_t number) {
        for (auto& i : devices_.at(dev).interfaces)
            if (i.number == number) return i.authorized;
        return false;
    }
    bool readOnly(const std::string& name) const { return read_only_.count(name) > 0; }
    bool blockedNew() const { return blocked_new_; }
    // How often a device was authorized whole, and how many per-interface writes were made.
    int wholeAuthorizations() const { return whole_; }
    int interfaceWrites() const { return interface_writes_; }
    int reads() const { return reads_; }  // device() calls
    int describes() const { return describes_; }
    // describe() calls made before the last whole-device authorization.
    int describesBeforeWhole() const { return describes_at_whole_; }

private:
    std::map<std::string, Info> devices_;
    std::set<std::string> read_only_;
    ChangeHandler handler_;
    bool blocked_new_ = false;
    int whole_ = 0;
    int interface_writes_ = 0;
    int reads_ = 0;
    int describes_ = 0;
    int describes_at_whole_ = 0;
};

}  // namespace mamori::test
