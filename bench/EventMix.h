#pragma once
// Event bodies shaped like a business terminal's day: heartbeats, logons, screen locks, sticks
// plugged in and allowed, now and then a violation. Sizes and field use match what the controls
// emit, so stored rows and parsed batches cost what real ones cost.
#include <cstdint>
#include <random>
#include <string>

#include "mamori/v1/event.pb.h"

namespace mamori::bench {

class EventMix {
public:
    // violation_rate: the share of events that are violations (e.g. 0.0005 = 1 in 2000).
    EventMix(uint64_t seed, double violation_rate) : rng_(seed), violation_rate_(violation_rate) {}

    mamori::v1::EventBody next(const std::string& terminal_id, int64_t utc_ns) {
        mamori::v1::EventBody b;
        b.set_terminal_id(terminal_id);
        b.set_utc_ns(utc_ns);
        b.set_monotonic_ns(utc_ns % 86'400'000'000'000LL);
        b.set_boot_id("6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f");
        b.set_policy_version(7);
        std::uniform_real_distribution<double> u(0, 1);
        if (u(rng_) < violation_rate_) {
            violation(b);
            return b;
        }
        switch (pick(rng_) % 10) {
            case 0:
            case 1: {
                b.set_type(mamori::v1::HEARTBEAT);
                b.set_control(mamori::v1::AGENT);
                auto* d = b.mutable_agent();
                d->set_agent_version("0.1.0");
                d->set_hostname(terminal_id);
                break;
            }
            case 2:
            case 3: {
                b.set_type(pick(rng_) % 2 ? mamori::v1::LOGON : mamori::v1::LOGOFF);
                b.set_control(mamori::v1::HOURS);
                b.set_outcome(mamori::v1::ALLOWED);
                auto* d = b.mutable_session();
                d->set_user("tanaka.hanako");
                d->set_line(":0");
                d->set_session_start_unix(utc_ns / 1'000'000'000);
                break;
            }
            case 4:
            case 5: {
                b.set_type(mamori::v1::SCREEN_LOCKED);
                b.set_control(mamori::v1::SCREEN_LOCK);
                auto* d = b.mutable_screen();
                d->set_display(":0");
                d->set_idle_seconds(300);
                d->set_setting_seconds(300);
                break;
            }
            case 6:
            case 7: {
                b.set_type(pick(rng_) % 2 ? mamori::v1::USB_ATTACHED : mamori::v1::USB_ALLOWED);
                b.set_control(mamori::v1::USB);
                b.set_rule_id("kbd-mouse");
                b.set_outcome(mamori::v1::ALLOWED);
                usb(b.mutable_usb(), 0x046d, 0xc077, "", 3);
                break;
            }
            default: {
                b.set_type(mamori::v1::USB_ALLOWED_READONLY);
                b.set_control(mamori::v1::USB);
                b.set_rule_id("registered-stick-0042");
                b.set_outcome(mamori::v1::ALLOWED);
                usb(b.mutable_usb(), 0x0781, 0x5583, "4C530001230905112345", 8);
                break;
            }
        }
        return b;
    }

private:
    void violation(mamori::v1::EventBody& b) {
        b.set_violation(true);
        b.set_outcome(mamori::v1::ENFORCED);
        switch (pick(rng_) % 3) {
            case 0:
                b.set_type(mamori::v1::USB_BLOCKED);
                b.set_control(mamori::v1::USB);
                b.set_rule_id("default-block-storage");
                usb(b.mutable_usb(), 0x0930, 0x6545, "0019B92C0F3A", 8);
                break;
            case 1: {
                b.set_type(mamori::v1::HOURS_VIOLATION);
                b.set_control(mamori::v1::HOURS);
                b.set_rule_id("office-hours");
                auto* d = b.mutable_session();
                d->set_user("suzuki.ichiro");
                d->set_line(":0");
                d->set_action("lock");
                break;
            }
            default: {
                b.set_type(mamori::v1::SOFTWARE_UNAPPROVED_EXEC);
                b.set_control(mamori::v1::SOFTWARE);
                b.set_rule_id("deny-unmanaged");
                auto* d = b.mutable_software();
                d->set_path("/home/suzuki/Downloads/tool.AppImage");
                d->set_sha256("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
                d->set_uid(1000);
                d->set_pid(4242);
                d->set_parent("nautilus");
                break;
            }
        }
    }

    static void usb(mamori::v1::UsbDetails* d, uint32_t vendor, uint32_t product, const char* serial, uint32_t cls) {
        d->set_vendor_id(vendor);
        d->set_product_id(product);
        d->set_serial(serial);
        d->set_manufacturer("SanDisk");
        d->set_product("Ultra");
        d->add_interface_classes(cls);
        d->set_port("1-1.2");
    }

    std::mt19937_64 rng_;
    std::uniform_int_distribution<int> pick{0, 1 << 20};
    double violation_rate_;
};

}  // namespace mamori::bench
