// The USB seam on Linux: sysfs for state and the authorization switches, the kernel's uevent
// netlink socket for arrivals (no udevd needed: the kernel's message comes first, before any
// automounter hears of the device), BLKROSET for read-only media.
#include <fcntl.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>
#include <set>
#include <stdexcept>
#include <vector>

#include "mamori/common/Log.h"
#include "mamori/platform/UsbBus.h"
#include "UeventParser.h"
#include "UsbDescriptorParser.h"

namespace mamori::platform {

namespace {

namespace fs = std::filesystem;

// One attribute of a device directory opened once: a stick waits while its attributes are read,
// and under a slow machine every path walked through /sys/bus/usb/devices and every extra system
// call shows. A text attribute comes whole in its first read (sysfs formats it at once); a
// binary one (descriptors) comes a page at a time, so it is read to its end.
std::optional<std::string> readAt(int dir, const char* name, size_t limit, bool whole_in_one_read) {
    const int fd = ::openat(dir, name, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string s(std::min<size_t>(limit, 4096), '\0');
    size_t got = 0;
    for (;;) {
        if (got == s.size()) {
            if (s.size() == limit) break;
            s.resize(std::min(limit, s.size() * 2));
        }
        const ssize_t n = ::read(fd, s.data() + got, s.size() - got);
        if (n <= 0) break;
        got += static_cast<size_t>(n);
        if (whole_in_one_read) break;
    }
    ::close(fd);
    s.resize(got);
    return s;
}

// An attribute by path, where no directory is held open: empty when it cannot be read.
std::string readFile(const fs::path& p, size_t limit = 4096) {
    return readAt(AT_FDCWD, p.c_str(), limit, false).value_or("");
}

// sysfs ends each attribute with one newline; that newline alone is not the device's.
std::string withoutSysfsNewline(std::string s) {
    if (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\0')) s.pop_back();
    return s;
}

// Device strings go into protobuf string fields, which must be UTF-8; a device may send
// anything. Control characters and invalid sequences become '?'.
std::string printable(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t len = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
        bool ok = len != 0 && i + len <= s.size() && !(len == 1 && (c < 0x20 || c == 0x7F));
        if (len == 2 && c < 0xC2) ok = false;  // overlong
        for (size_t k = 1; ok && k < len; ++k)
            if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) ok = false;
        if (ok) {
            out.append(s, i, len);
            i += len;
        } else {
            out.push_back('?');
            ++i;
        }
    }
    return out;
}

unsigned hexValue(const std::string& s) {
    try {
        return static_cast<unsigned>(std::stoul(s, nullptr, 16));
    } catch (...) {
        return 0;
    }
}

bool writeFile(const fs::path& p, const std::string& value) {
    int fd = ::open(p.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool ok = ::write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
    ::close(fd);
    return ok;
}

bool isDeviceName(const std::string& n) {
    // "2-1", "1-1.3"; root hubs are "usbN" and interfaces contain ':'; never a path.
    return !n.empty() && n.find(':') == std::string::npos && !n.starts_with("usb") && n.find('-') != std::string::npos &&
           n.find('/') == std::string::npos;
}

// A device's directory, opened once (O_PATH) so that each attribute is read without walking
// /sys/bus/usb/devices and its symlink again; closed on every way out, an allocation that throws
// included. Not open for a name that is no device's.
class DeviceDirectory {
public:
    DeviceDirectory(const fs::path& devices, const std::string& name)
        : fd_(isDeviceName(name) ? ::open((devices / name).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC) : -1) {}
    ~DeviceDirectory() {
        if (fd_ >= 0) ::close(fd_);
    }
    DeviceDirectory(const DeviceDirectory&) = delete;
    DeviceDirectory& operator=(const DeviceDirectory&) = delete;

    bool isOpen() const { return fd_ >= 0; }
    std::optional<std::string> read(const char* file, size_t limit, bool whole_in_one_read = true) const {
        return readAt(fd_, file, limit, whole_in_one_read);
    }
    // A text attribute, empty when it cannot be read.
    std::string text(const char* file, size_t limit = 4096) const { return read(file, limit).value_or(""); }

private:
    int fd_;
};

class SysfsUsbBus final : public UsbBus {
public:
    SysfsUsbBus(boost::asio::any_io_executor reactor, std::string sysfs_root, std::string dev_root)
        : reactor_(std::move(reactor)), sys_(std::move(sysfs_root)), dev_(std::move(dev_root)) {}

    std::vector<UsbDeviceInfo> enumerate() override {
        std::vector<UsbDeviceInfo> out;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(devices(), ec)) {
            auto n = e.path().filename().string();
            if (!isDeviceName(n)) continue;
            if (auto d = device(n)) out.push_back(std::move(*d));
        }
        return out;
    }

    std::optional<UsbDeviceInfo> device(const std::string& name) override {
        const DeviceDirectory at(devices(), name);
        if (!at.isOpen()) return std::nullopt;
        UsbDeviceInfo d;
        d.name = name;
        // The serial exactly as the device gives it: a stick reporting "ABC123 " is not the
        // registered "ABC123", and the evidence must show what the device said.
        const auto serial = at.read("serial", 256);
        d.has_serial = serial.has_value();
        if (serial) d.serial = printable(withoutSysfsNewline(*serial));
        d.authorized = trimmed(at.text("authorized")) == "1";
        // The descriptors begin with the device descriptor that sysfs's idVendor, idProduct and
        // bDeviceClass are formatted from: three reads fewer while the stick waits.
        if (auto desc = UsbDescriptorParser::parse(at.read("descriptors", 65536, false).value_or(""))) {
            d.descriptors_valid = true;
            d.vendor_id = desc->vendor_id;
            d.product_id = desc->product_id;
            d.device_class = desc->device_class;
            for (const auto& i : desc->interfaces)
                d.declared_interfaces.push_back({"", i.number, i.cls, i.subclass, i.protocol, false});
        } else {
            d.vendor_id = static_cast<uint16_t>(hexValue(trimmed(at.text("idVendor"))));
            d.product_id = static_cast<uint16_t>(hexValue(trimmed(at.text("idProduct"))));
            d.device_class = static_cast<uint8_t>(hexValue(trimmed(at.text("bDeviceClass"))));
        }
        // A device the kernel has not authorized has no configuration, so no interfaces: a new
        // stick's directory is not listed while it waits.
        if (!d.authorized) return d;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(devices() / name, ec)) {
            auto n = e.path().filename().string();
            if (!n.starts_with(name + ":")) continue;
            UsbInterfaceInfo i;
            i.name = n;
            i.number = static_cast<uint8_t>(hexValue(trimmed(readFile(e.path() / "bInterfaceNumber"))));
            i.cls = static_cast<uint8_t>(hexValue(trimmed(readFile(e.path() / "bInterfaceClass"))));
            i.subclass = static_cast<uint8_t>(hexValue(trimmed(readFile(e.path() / "bInterfaceSubClass"))));
            i.protocol = static_cast<uint8_t>(hexValue(trimmed(readFile(e.path() / "bInterfaceProtocol"))));
            i.authorized = trimmed(readFile(e.path() / "authorized")) != "0";
            d.interfaces.push_back(std::move(i));
        }
        return d;
    }

    void describe(UsbDeviceInfo& d) override {
        const DeviceDirectory at(devices(), d.name);
        if (!at.isOpen()) return;
        d.manufacturer = printable(trimmed(at.text("manufacturer", 256)));
        d.product = printable(trimmed(at.text("product", 256)));
    }

    void watch(ChangeHandler on_change) override {
        on_change_ = std::move(on_change);
        int fd = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_KOBJECT_UEVENT);
        if (fd < 0) throw std::runtime_error(std::string("uevent socket: ") + std::strerror(errno));
        // A burst of plugs must not overflow the queue; FORCE works as root, the plain one otherwise.
        int size = 4 * 1024 * 1024;
        if (::setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof size) != 0)
            ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
        sockaddr_nl addr{};
        addr.nl_family = AF_NETLINK;
        addr.nl_groups = 1;  // the kernel's group; udev's rebroadcasts are group 2
        if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
            int e = errno;
            ::close(fd);
            throw std::runtime_error(std::string("uevent socket bind: ") + std::strerror(e));
        }
        socket_ = std::make_unique<boost::asio::posix::stream_descriptor>(reactor_, fd);
        waitForEvents();
    }

    int blockNewDevices() override {
        // A controller that appears later (a docking station, a PCIe card) takes its root hubs'
        // setting from usbcore's parameter: deny there too, so that it holds even while no agent
        // runs. 2 (internal ports only, set on the kernel command line) already denies every
        // external port and is left as the administrator chose it.
        const fs::path usbcore = fs::path(sys_) / "module/usbcore/parameters/authorized_default";
        const std::string current = trimmed(readFile(usbcore));
        if (!current.empty() && current != "0" && current != "2") writeFile(usbcore, "0");
        int n = 0;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(devices(), ec)) {
            auto name = e.path().filename().string();
            if (name.starts_with("usb") && blockRootHub(name)) ++n;
        }
        return n;
    }

    bool authorizeDevice(const std::string& name, bool authorized) override {
        if (!isDeviceName(name)) return false;
        return writeFile(devices() / name / "authorized", authorized ? "1" : "0");
    }

    bool authorizeWholeDevice(const std::string& name) override {
        if (!isDeviceName(name)) return false;
        // The kernel configures the device inside the write to its "authorized" and gives each
        // new interface its controller's interface_authorized_default: open that switch for the
        // one write only. Nothing else is configured meanwhile, since every other new device on
        // the bus is still unauthorized and this reactor makes the only decisions. Should the
        // agent die in between, its next start shuts the switch again (blockNewDevices). Should
        // shutting it fail, the per-interface path still writes every interface's switch itself.
        const fs::path hub = devices() / ("usb" + name.substr(0, name.find('-'))) / "interface_authorized_default";
        const bool opened = writeFile(hub, "1");
        const bool ok = writeFile(devices() / name / "authorized", "1");
        if (opened && !writeFile(hub, "0"))
            Log::error("usb: cannot set " + hub.string() + " back to 0: " + std::strerror(errno));
        // The write has made the interfaces and started their drivers, whose threads (usb-storage's
        // scan of the disk) are now ready to run; so is whoever listens for the new interfaces.
        // On a single or busy CPU they would otherwise wait until this agent has journaled its
        // records: let them go first.
        if (ok) ::sched_yield();
        return ok;
    }

    bool authorizeInterface(const std::string& name, bool authorized) override {
        auto colon = name.find(':');
        if (colon == std::string::npos || name.find('/') != std::string::npos) return false;
        const fs::path p = devices() / name.substr(0, colon) / name / "authorized";
        if (!writeFile(p, authorized ? "1" : "0")) return false;
        // Re-authorizing an interface does not bind its driver by itself.
        if (authorized) writeFile(fs::path(sys_) / "bus/usb/drivers_probe", name);
        return true;
    }

    void keepReadOnly(const std::string& name, bool read_only) override {
        if (!read_only) {
            read_only_.erase(name);
            return;
        }
        read_only_.insert(name);
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(fs::path(sys_) / "class/block", ec)) {
            auto real = fs::canonical(e.path(), ec);
            if (!ec && underReadOnly(real.string())) setReadOnly(e.path().filename().string());
        }
    }

private:
    fs::path devices() const { return fs::path(sys_) / "bus/usb/devices"; }

    // "4-0:1.0": the interface of root hub usb4 (port path 0).
    static bool isRootHubInterface(const std::string& n) {
        const auto dash = n.find('-');
        return dash != std::string::npos && n.compare(dash, 3, "-0:") == 0 && n.find('/') == std::string::npos;
    }

    void keepRootHubInterface(const std::string& name) {
        const fs::path dir = devices() / name;
        if (trimmed(readFile(dir / "authorized")) != "0") return;
        writeFile(dir / "authorized", "1");
        writeFile(fs::path(sys_) / "bus/usb/drivers_probe", name);
    }

    bool blockRootHub(const std::string& name) {
        if (name.find('/') != std::string::npos) return false;
        const bool ok = writeFile(devices() / name / "authorized_default", "0");
        // Older kernels lack the interface switch; the device switch alone still holds.
        writeFile(devices() / name / "interface_authorized_default", "0");
        return ok;
    }

    bool underReadOnly(const std::string& path) const {
        for (const auto& n : read_only_)
            if (path.find("/" + n + "/") != std::string::npos) return true;
        return false;
    }

    void setReadOnly(const std::string& devname) {
        if (devname.empty() || devname.find('/') != std::string::npos) return;
        int fd = ::open((fs::path(dev_) / devname).c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
        if (fd < 0) return;
        int on = 1;
        ::ioctl(fd, BLKROSET, &on);
        ::close(fd);
    }

    void waitForEvents() {
        socket_->async_wait(boost::asio::posix::stream_descriptor::wait_read, [this](const boost::system::error_code& ec) {
            if (ec) return;
            drain();
            waitForEvents();
        });
    }

    void drain() {
        std::array<char, 8192> buf;
        for (;;) {
            sockaddr_nl from{};
            iovec iov{buf.data(), buf.size()};
            msghdr msg{};
            msg.msg_name = &from;
            msg.msg_namelen = sizeof from;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            ssize_t n = ::recvmsg(socket_->native_handle(), &msg, MSG_DONTWAIT);
            if (n < 0) {
                if (errno == ENOBUFS) {
                    if (on_change_) on_change_({UsbChange::Kind::Lost, {}});
                    continue;
                }
                return;  // EAGAIN: drained
            }
            if (from.nl_pid != 0 || (msg.msg_flags & MSG_TRUNC)) continue;  // only the kernel speaks here
            auto ev = UeventParser::parse(std::string_view(buf.data(), static_cast<size_t>(n)));
            if (ev) handle(*ev);
        }
    }

    void handle(const Uevent& ev) {
        if (ev.subsystem == "block" && ev.action == "add") {
            if (underReadOnly(ev.devpath + "/")) setReadOnly(ev.var("DEVNAME"));
            return;
        }
        if (ev.subsystem == "usb" && ev.devtype == "usb_interface" && ev.action == "add") {
            // A new root hub's own hub interface may be created after the switch below, and
            // then inherits its deny: that would leave the hub without a driver and every port
            // of the new controller dead. The root hub is the machine's, never a plugged device.
            if (isRootHubInterface(ev.name())) keepRootHubInterface(ev.name());
            return;
        }
        if (ev.subsystem != "usb" || ev.devtype != "usb_device") return;
        if (ev.action == "add" && ev.name().starts_with("usb")) {
            // A root hub that just appeared: switched to deny before the hub driver has
            // debounced its ports, so nothing behind it is bound without a decision. A device
            // that slipped through anyway arrives as an add of its own and is decided then.
            const bool blocked = blockRootHub(ev.name());
            if (on_change_) on_change_({UsbChange::Kind::RootHubAdded, ev.name(), blocked});
            return;
        }
        if (!isDeviceName(ev.name())) return;
        // The add comes before the kernel's own driver has probed the device, and that probe
        // configures an authorized device afresh: it remakes the interfaces with the controller's
        // interface default, which a whole-device authorization opens for its write only. A stick
        // decided before the probe could find its interfaces remade unauthorized, and no disk.
        // So a device is handed on at its "bind" uevent, and nothing is read at the add: this
        // reactor runs the moment the kernel sends it, before the kernel's own probe, and on a
        // busy or single CPU that probe, and so the stick, would wait for whatever is done here.
        // An add replayed for a device present all along ("udevadm trigger" writes to its uevent
        // file, and the kernel marks that with SYNTH_UUID) is no arrival: it was decided when it
        // came, or at this agent's start.
        if (ev.action == "bind" && awaiting_bind_.erase(ev.name())) {
            if (on_change_) on_change_({UsbChange::Kind::Added, ev.name()});
            // Then every root hub is rechecked: one whose own add was lost in a full queue must
            // not stay open. After the decision: a person waiting for a stick must not wait for
            // this too.
            blockNewDevices();
        }
        if (ev.action == "add" && ev.var("SYNTH_UUID").empty()) awaiting_bind_.insert(ev.name());
        if (ev.action == "remove") {
            read_only_.erase(ev.name());
            awaiting_bind_.erase(ev.name());
            if (on_change_) on_change_({UsbChange::Kind::Removed, ev.name()});
        }
    }

    boost::asio::any_io_executor reactor_;
    std::string sys_;
    std::string dev_;
    ChangeHandler on_change_;
    std::set<std::string> awaiting_bind_;  // added, not yet bound: see handle()
    std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;
    std::set<std::string> read_only_;
};

}  // namespace

std::unique_ptr<UsbBus> sysfsUsbBus(boost::asio::any_io_executor reactor, std::string sysfs_root, std::string dev_root) {
    return std::make_unique<SysfsUsbBus>(std::move(reactor), std::move(sysfs_root), std::move(dev_root));
}

}  // namespace mamori::platform
