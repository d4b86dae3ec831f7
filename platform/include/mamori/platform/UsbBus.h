#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

namespace mamori::platform {

// One interface of a device, as its descriptors or the configured device show it.
struct UsbInterfaceInfo {
    std::string name;  // sysfs name, e.g. "2-1:1.0"; empty when known only from descriptors
    uint8_t number = 0;
    uint8_t cls = 0;
    uint8_t subclass = 0;
    uint8_t protocol = 0;
    bool authorized = false;
};

// One USB device (root hubs excluded). Strings are printable UTF-8 whatever the device sent.
struct UsbDeviceInfo {
    std::string name;  // sysfs name, which is also the port path: "2-1", "1-1.3"
    uint16_t vendor_id = 0;
    uint16_t product_id = 0;
    bool has_serial = false;  // a device without iSerial can only be matched by vendor:product
    std::string serial;
    // What a person reads, and no decision needs: filled by UsbBus::describe(), not device().
    std::string manufacturer;
    std::string product;
    uint8_t device_class = 0;
    bool authorized = false;
    bool descriptors_valid = false;  // false: the descriptors were unreadable or malformed
    // From the raw descriptors (every configuration, alternate setting 0): known before the
    // device is authorized, when the kernel has not created its interfaces yet.
    std::vector<UsbInterfaceInfo> declared_interfaces;
    // The interfaces the kernel created (only once the device is authorized and configured).
    std::vector<UsbInterfaceInfo> interfaces;
};

struct UsbChange {
    // Lost: the kernel dropped events (its queue overflowed); re-read what is present.
    // RootHubAdded: a new controller's root hub, already switched to deny (or not: blocked).
    enum class Kind { Added, Removed, Lost, RootHubAdded };
    Kind kind = Kind::Added;
    std::string name;  // the device's sysfs name; empty for Lost
    bool blocked = false;  // RootHubAdded: whether new devices there now start unauthorized
};

// The USB buses of this machine: what is plugged in, what arrives and leaves, and the kernel's
// authorization switches. All calls and callbacks happen on the agent's reactor.
class UsbBus {
public:
    using ChangeHandler = std::function<void(const UsbChange&)>;

    virtual ~UsbBus() = default;
    // Every device now present, root hubs excluded, as device() reads them.
    virtual std::vector<UsbDeviceInfo> enumerate() = 0;
    // What a decision needs; the manufacturer and product names are left empty (describe()).
    virtual std::optional<UsbDeviceInfo> device(const std::string& name) = 0;
    // Fills in the names a person knows the device by. Apart from device(), so that a new stick
    // is decided and authorized before they are read: each read is a file of its own.
    virtual void describe(UsbDeviceInfo& d) = 0;
    // Starts delivering arrivals and departures; throws std::runtime_error if the kernel's
    // event source cannot be opened.
    virtual void watch(ChangeHandler on_change) = 0;
    // The fail-safe: on every root hub, new devices and new interfaces start unauthorized, so no
    // driver binds until someone authorizes them; and so on the root hubs of any controller
    // added later, by the kernel itself even when no agent runs. watch() keeps it so for root
    // hubs that appear. Returns the number of root hubs switched.
    virtual int blockNewDevices() = 0;
    // Authorizing a device configures it (its interfaces then exist, still unauthorized);
    // de-authorizing it disconnects every driver at once.
    virtual bool authorizeDevice(const std::string& name, bool authorized) = 0;
    // For a device every one of whose interfaces may be used: authorizes it so that the kernel
    // authorizes and binds each interface as it configures the device, as with no control at all.
    // One write instead of one per interface, each with its own driver probe, and the stick is
    // ready that much sooner. Only for new devices no decision has been made for.
    virtual bool authorizeWholeDevice(const std::string& name) = 0;
    // One interface ("2-1:1.0"); authorizing also asks the kernel to bind its driver.
    virtual bool authorizeInterface(const std::string& name, bool authorized) = 0;
    // Every block device under this USB device, now and whenever one appears, is made
    // read-only (BLKROSET) as soon as the kernel announces it. false stops doing so.
    virtual void keepReadOnly(const std::string& name, bool read_only) = 0;
};

// The Linux kernel's sysfs (sysfs_root, normally "/sys") and uevent netlink socket; block
// device nodes are looked up under dev_root ("/dev").
std::unique_ptr<UsbBus> sysfsUsbBus(boost::asio::any_io_executor reactor, std::string sysfs_root = "/sys",
                                    std::string dev_root = "/dev");

}  // namespace mamori::platform
