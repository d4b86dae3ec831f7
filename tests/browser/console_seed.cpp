// Seeds a running collector for the console's browser test with terminals made of the agent's
// real protocol pieces (tests/support/SimulatedTerminal): each enrolls with a one-time token over
// TLS, then reports signed, chained events over mutual TLS, as an agent would.
//   console_seed URL CA_PEM NAME=TOKEN...
// NAME's last two characters choose what it reports: -01 a refused stick (USB_BLOCKED), -02 an
// unapproved program run, anything else only a heartbeat. Prints "NAME TERMINAL_ID" per line.
#include <cstdio>
#include <iostream>
#include <string>

#include "mamori/common/Files.h"
#include "tests/support/SimulatedTerminal.h"

int main(int argc, char** argv) {
    if (argc < 4 || std::string(argv[1]) == "--help") {
        std::cerr << "usage: console_seed URL CA_PEM NAME=TOKEN...\n";
        return argc >= 2 && std::string(argv[1]) == "--help" ? 0 : 2;
    }
    const std::string url = argv[1], ca = mamori::common::Files::read(argv[2]);
    for (int i = 3; i < argc; ++i) {
        const std::string arg = argv[i];
        const auto eq = arg.find('=');
        if (eq == std::string::npos) {
            std::cerr << "console_seed: '" << arg << "' is not NAME=TOKEN\n";
            return 2;
        }
        const std::string name = arg.substr(0, eq);
        mamori::test::SimulatedTerminal t(url, ca);
        if (auto r = t.enroll(arg.substr(eq + 1), name); r.status != 200) {
            std::cerr << "console_seed: " << name << " could not enroll: HTTP " << r.status << " " << r.body << "\n";
            return 1;
        }
        std::vector<mamori::v1::EventBody> bodies;
        mamori::v1::EventBody beat;
        beat.set_terminal_id(t.id());
        beat.set_type(mamori::v1::HEARTBEAT);
        beat.set_control(mamori::v1::AGENT);
        beat.set_utc_ns(t.clockNs());
        bodies.push_back(beat);
        if (name.ends_with("-01")) {
            auto stick = t.violation(mamori::v1::USB_BLOCKED, mamori::v1::USB, "usb.storage.default");
            auto* usb = stick.mutable_usb();
            usb->set_vendor_id(0x0781);
            usb->set_product_id(0x5567);
            usb->set_serial("4C5300011" + name.substr(name.size() - 2));
            usb->set_manufacturer("SanDisk");
            usb->set_product("Cruzer Blade");
            usb->add_interface_classes(8);
            bodies.push_back(stick);
        } else if (name.ends_with("-02")) {
            auto run = t.violation(mamori::v1::SOFTWARE_UNAPPROVED_EXEC, mamori::v1::SOFTWARE, "software.unapproved");
            bodies.push_back(run);
        }
        if (auto r = t.send(t.batchOf(bodies)); r.status != 200) {
            std::cerr << "console_seed: " << name << "'s events were refused: HTTP " << r.status << " " << r.body << "\n";
            return 1;
        }
        if (auto r = t.sync(); r.status != 200) {
            std::cerr << "console_seed: " << name << " could not sync: HTTP " << r.status << "\n";
            return 1;
        }
        std::cout << name << " " << t.id() << "\n";
    }
    return 0;
}
