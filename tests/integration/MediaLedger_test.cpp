// The media ledger (媒体管理台帳) as administrators run it, over the real pipeline on both stores:
// a stick a terminal refused is registered from that very event, approved by another account,
// delivered read-only to its section's terminals only, retired with a disposal record, and gone
// from the terminals at their next sync; the ledger as an auditor opens it in Excel.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <fstream>

#include "CollectorOnEachStore.h"
#include "mamori/common/Files.h"
#include "mamori/v1/policy.pb.h"
#include "tests/support/AdminCommands.h"
#include "tests/support/PostgresServer.h"
#include "tests/support/SimulatedTerminal.h"
#include "tests/support/TestCollector.h"

using namespace mamori::test;

namespace {

const auto* const kPostgresEnvironment = ::testing::AddGlobalTestEnvironment(new PostgresServer::Environment);

// RFC 4180 as ReportTable writes it: the rows of a CSV text, cells unquoted.
std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> rows(1, std::vector<std::string>(1));
    bool quoted = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') rows.back().back() += '"', ++i;
            else if (c == '"') quoted = false;
            else rows.back().back() += c;
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            rows.back().emplace_back();
        } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
            rows.emplace_back(1);
            ++i;
        } else {
            rows.back().back() += c;
        }
    }
    if (rows.back().size() == 1 && rows.back().front().empty()) rows.pop_back();
    return rows;
}

class MediaLedger : public CollectorOnEachStore {
protected:
    MediaLedger() : CollectorOnEachStore("media-ledger") {}

    std::string profile() const { return std::string(MAMORI_SOURCE_DIR) + "/installer/profiles/default.yaml"; }

    boost::json::object statusOf(const std::string& terminal) {
        const std::string out = collector->ctl({"policy", "status", "--format", "json"});
        const boost::json::value parsed = boost::json::parse(out);
        for (const auto& r : parsed.at("rows").as_array())
            if (r.at("terminal").as_string() == terminal) return r.as_object();
        ADD_FAILURE() << terminal << " missing from " << out;
        return {};
    }

    // Runs the agent until the collector has seen it apply `version`.
    void syncTo(TestAgent& agent, const std::string& terminal, uint64_t version) {
        agent.start();
        EXPECT_TRUE(waitFor([&] { return statusOf(terminal).at("applied_version").to_number<uint64_t>() == version; }))
            << agent.logText();
        agent.stop(SIGTERM);
    }

    uint64_t latest(const std::string& terminal) { return statusOf(terminal).at("latest_version").to_number<uint64_t>(); }

    boost::json::value ledger(std::vector<std::string> args = {}) {
        args.insert(args.begin(), {"media", "list", "--format", "json"});
        return boost::json::parse(collector->ctl(args));
    }

    // The refused stick as the agent reports it (UsbControl::report), then an event of another kind.
    void reportRefusedStick(SimulatedTerminal& terminal) {
        mamori::v1::EventBatch batch;
        batch.set_terminal_id(terminal.id());
        mamori::v1::EventBody body;
        body.set_terminal_id(terminal.id());
        body.set_type(mamori::v1::USB_BLOCKED);
        body.set_control(mamori::v1::USB);
        body.set_violation(true);
        body.set_outcome(mamori::v1::ENFORCED);
        body.set_rule_id("mass-storage");
        body.set_utc_ns(terminal.clockNs());
        auto* usb = body.mutable_usb();
        usb->set_vendor_id(0x0781);
        usb->set_product_id(0x5581);
        usb->set_serial("4C530001");
        usb->set_manufacturer("SanDisk");
        usb->set_product("Ultra");
        usb->add_interface_classes(8);
        usb->set_port("2-1");
        *batch.add_events() = terminal.chain().append(body);
        *batch.add_events() = terminal.batch(1).events(0);
        ASSERT_EQ(terminal.send(batch).status, 200u);
    }
};

TEST_P(MediaLedger, AStickRefusedAtATerminalIsRegisteredFromItsEventApprovedByAnotherAccountAndRetired) {
    collector->ctl({"policy", "push", profile(), "--group", "all"});
    TestAgent agent(dir / "term-a");
    agent.enroll(collector->agentUrl(), collector->token("税務課"), "term-a");
    const std::string ca = mamori::common::Files::read(collector->dir() / "ca.pem");
    SimulatedTerminal counter(collector->agentUrl(), ca), elsewhere(collector->agentUrl(), ca);
    ASSERT_EQ(counter.enroll(collector->token("税務課"), "term-s").status, 200u);
    ASSERT_EQ(elsewhere.enroll(collector->token("住民課"), "term-c").status, 200u);
    reportRefusedStick(counter);
    syncTo(agent, "term-a", latest("term-a"));
    const auto ciso = collector->addUser("suzuki", {"--role", "ciso"});
    const auto sato = collector->addUser("sato", {"--role", "security_admin"});
    const std::vector<std::string> from{"media", "register", "--purpose", "選挙事務のデータ受け渡し", "--encrypted", "yes",
                                        "--until", dateIn(30), "--from-event"};
    auto with = [&](const std::string& event) {
        std::vector<std::string> args = from;
        args.push_back(event);
        return args;
    };

    // Wrong input is refused, in both languages, and nothing is registered.
    std::string out = as(sato, with("term-s:2"), 1);
    EXPECT_NE(out.find("event term-s:2 is HEARTBEAT, not a USB device event"), std::string::npos) << out;
    EXPECT_NE(out.find("USB 機器のイベントではありません"), std::string::npos) << out;
    EXPECT_NE(as(sato, with("term-s:9"), 1).find("terminal term-s has no event 9"), std::string::npos);
    EXPECT_NE(as(sato, with("term-s"), 1).find("--from-event takes TERMINAL:SEQ"), std::string::npos);
    EXPECT_NE(as(sato, with("term-z:1"), 1).find("no terminal 'term-z' is enrolled"), std::string::npos);
    out = as(sato, {"media", "register", "--device", "0781:5581:X", "--purpose", "p", "--encrypted", "yes"}, 2);
    EXPECT_NE(out.find("missing the expiry (--until)"), std::string::npos) << out;
    out = as(sato, {"media", "register", "--device", "0781:5581:X", "--purpose", "p", "--encrypted", "yes", "--until",
                    dateIn(3)},
             1);
    EXPECT_NE(out.find("name the section that keeps the stick (--section)"), std::string::npos) << out;
    EXPECT_TRUE(ledger().at("rows").as_array().empty());

    // The stick exactly as term-s refused it; its section owns it unless told otherwise.
    out = as(sato, with("term-s:1"));
    EXPECT_NE(out.find("requested; it applies once another account approves it"), std::string::npos) << out;
    auto listed = ledger();
    ASSERT_EQ(listed.at("rows").as_array().size(), 1u) << listed;
    const auto& entry = listed.at("rows").at(0);
    const std::string id(entry.at("id").as_string());
    EXPECT_EQ(id.substr(0, 2), "M-");
    EXPECT_EQ(id.substr(id.size() - 5), "-0001");
    EXPECT_EQ(entry.at("device").as_string(), "0781:5581:4C530001");
    EXPECT_EQ(entry.at("description").as_string(), "SanDisk Ultra");
    EXPECT_EQ(entry.at("source_event").as_string(), "term-s:1");
    EXPECT_EQ(entry.at("owner_section").as_string(), "税務課");
    EXPECT_EQ(entry.at("access").as_string(), "read-only") << "read-only unless asked otherwise";
    EXPECT_EQ(entry.at("state").as_string(), "requested");
    EXPECT_EQ(entry.at("requested_by").as_string(), "sato");
    EXPECT_EQ(statusOf("term-a").at("media").to_number<uint64_t>(), 0u) << "a request reaches nobody";
    out = as(sato, with("term-s:1"), 1);
    EXPECT_NE(out.find("device 0781:5581:4C530001 is already in the media ledger as " + id), std::string::npos) << out;

    // Two people: never the requester, and only a role that approves.
    out = as(sato, {"media", "approve", id}, 1);
    EXPECT_NE(out.find("sato (security_admin) may not approve media"), std::string::npos) << out;
    as(ciso, {"user", "rights", "sato", "--grant", "approve"});
    out = as(sato, {"media", "approve", id}, 1);
    EXPECT_NE(out.find("was requested by sato; another account must approve it"), std::string::npos) << out;
    EXPECT_NE(out.find("別の利用者が承認してください"), std::string::npos) << out;
    out = as(ciso, {"media", "approve", id, "--note", "課長決裁済"});
    EXPECT_NE(out.find("approved; the terminals concerned accept it"), std::string::npos) << out;

    // It reaches the terminals of its section as a read-only registered device, and no other.
    EXPECT_TRUE(statusOf("term-a").at("behind").as_bool()) << "an approval is a newer policy for its section";
    EXPECT_EQ(statusOf("term-a").at("media").to_number<uint64_t>(), 1u);
    EXPECT_EQ(statusOf("term-s").at("media").to_number<uint64_t>(), 1u);
    EXPECT_EQ(statusOf("term-c").at("media").to_number<uint64_t>(), 0u) << "住民課 is not its section";
    const uint64_t with_stick = latest("term-a");
    syncTo(agent, "term-a", with_stick);
    auto applied = appliedPolicy(dir / "term-a");
    ASSERT_EQ(applied.usb().devices_size(), 1) << applied.DebugString();
    const auto& device = applied.usb().devices(0);
    EXPECT_EQ(device.id(), id);
    EXPECT_EQ(device.vendor_id(), 0x0781u);
    EXPECT_EQ(device.product_id(), 0x5581u);
    EXPECT_EQ(device.serial(), "4C530001");
    EXPECT_EQ(device.action(), mamori::v1::ALLOW_READONLY);
    EXPECT_EQ(device.owner_section(), "税務課");
    EXPECT_EQ(device.approved_by(), "suzuki");
    EXPECT_EQ(device.expires(), dateIn(30));
    const auto sync = elsewhere.sync();
    mamori::v1::SyncResponse response;
    ASSERT_TRUE(response.ParseFromString(sync.body));
    mamori::v1::PolicyEnvelope envelope;
    ASSERT_TRUE(envelope.ParseFromString(response.policy().envelope()));
    EXPECT_EQ(envelope.policy().usb().devices_size(), 0) << "term-c of 住民課 is not given the stick";

    // A section whose profile lists a stick read-write cannot register it read-only.
    const std::string listing = (dir / "listing.yaml").string();
    std::string yaml = mamori::common::Files::read(profile());
    const std::string empty = "devices: []";
    ASSERT_NE(yaml.find(empty), std::string::npos);
    yaml.replace(yaml.find(empty), empty.size(),
                 "devices:\n    - {id: USB-9, vendor: \"0781\", product: \"5581\", serial: \"FFFF\", access: read-write}");
    std::ofstream(listing) << yaml;
    collector->ctl({"policy", "push", listing, "--group", "住民課"});
    out = as(sato, {"media", "register", "--device", "0781:5581:FFFF", "--section", "住民課", "--purpose", "p",
                    "--encrypted", "no", "--until", dateIn(3)},
             1);
    EXPECT_NE(out.find("already lists 0781:5581:FFFF as read-write (USB-9); a stick has one access"), std::string::npos)
        << out;
    EXPECT_NE(out.find("媒体のアクセスは 1 つです"), std::string::npos) << out;

    // And the other way: a profile cannot give the registered stick another access where it reaches.
    const std::string loosening = (dir / "loosening.yaml").string();
    const std::string other = "serial: \"FFFF\"";
    yaml.replace(yaml.find(other), other.size(), "serial: \"4C530001\"");
    std::ofstream(loosening) << yaml;
    for (const std::string group : {"税務課", "all"}) {  // 税務課 has no policy of its own: it follows all
        out = collector->ctl({"policy", "push", loosening, "--group", group}, 1);
        EXPECT_NE(out.find("the profile lists 0781:5581:4C530001 as read-write (USB-9), but media ledger entry " + id +
                           " gives it to section 税務課 read-only"),
                  std::string::npos)
            << group << ": " << out;
        EXPECT_NE(out.find("台帳の登録を廃止してください"), std::string::npos) << out;
    }
    collector->ctl({"policy", "push", loosening, "--group", "住民課"});  // a section the entry does not reach

    // Retired with its disposal record: the terminals refuse it again from their next sync.
    out = as(sato, {"media", "retire", id, "--erased-by", "山田", "--method", "shred", "--reason", "r"}, 2);
    EXPECT_NE(out.find("shred not in"), std::string::npos) << out;
    out = as(sato, {"media", "retire", id, "--erased-by", "山田", "--method", "overwrite", "--reason", "事務終了"});
    EXPECT_NE(out.find("retirement recorded"), std::string::npos) << out;
    EXPECT_NE(as(sato, {"media", "approve", id}, 1).find("the retirement was requested by sato"), std::string::npos);
    out = as(ciso, {"media", "approve", id});
    EXPECT_NE(out.find("retirement approved; the disposal record is final"), std::string::npos) << out;
    EXPECT_EQ(statusOf("term-a").at("media").to_number<uint64_t>(), 0u);
    const uint64_t without = latest("term-a");
    EXPECT_GT(without, with_stick) << "a retirement is a newer policy for the terminals that had the stick";
    syncTo(agent, "term-a", without);
    EXPECT_EQ(appliedPolicy(dir / "term-a").usb().devices_size(), 0) << "blocked again";
    EXPECT_NE(as(ciso, {"media", "retire", id, "--erased-by", "x", "--method", "lost", "--reason", "r"}, 1)
                  .find("is already retired"),
              std::string::npos);

    // The ledger as an auditor opens it: CSV with a BOM, one line per stick, every column filled.
    const auto auditor = collector->addUser("tanaka", {"--role", "auditor"});
    const std::string csv = as(auditor, {"media", "export"});
    ASSERT_EQ(csv.substr(0, 3), "\xEF\xBB\xBF");
    const auto rows = parseCsv(csv.substr(3));
    ASSERT_EQ(rows.size(), 2u) << csv;
    const std::vector<std::string> headings{"ledger no", "device", "description", "section", "terminals", "purpose",
                                            "access", "encrypted", "requested by", "requested at", "approved by",
                                            "approved at", "until", "state", "retirement requested by", "erased by",
                                            "method", "retirement reason", "retired by", "retired at"};
    ASSERT_EQ(rows[0], headings);
    std::map<std::string, std::string> line;
    for (size_t i = 0; i < headings.size(); ++i) line[headings[i]] = rows[1].at(i);
    EXPECT_EQ(line["ledger no"], id);
    EXPECT_EQ(line["device"], "0781:5581:4C530001");
    EXPECT_EQ(line["section"], "税務課");
    EXPECT_EQ(line["terminals"], "all of the section");
    EXPECT_EQ(line["purpose"], "選挙事務のデータ受け渡し");
    EXPECT_EQ(line["access"], "read-only");
    EXPECT_EQ(line["encrypted"], "yes");
    EXPECT_EQ(line["requested by"], "sato");
    EXPECT_EQ(line["approved by"], "suzuki");
    EXPECT_EQ(line["until"], dateIn(30));
    EXPECT_EQ(line["state"], "retired");
    EXPECT_EQ(line["retirement requested by"], "sato");
    EXPECT_EQ(line["erased by"], "山田");
    EXPECT_EQ(line["method"], "overwrite");
    EXPECT_EQ(line["retirement reason"], "事務終了");
    EXPECT_EQ(line["retired by"], "suzuki");
    for (const char* at : {"requested at", "approved at", "retired at"})
        EXPECT_EQ(line[at].size(), 16u) << at << ": " << line[at];
    EXPECT_NE(as(auditor, {"media", "register", "--device", "0781:5581:1", "--section", "税務課", "--purpose", "p",
                           "--encrypted", "no", "--until", dateIn(3)},
                 1)
                  .find("tanaka (auditor) may not register media"),
              std::string::npos);

    // Every read of the ledger is in the access log, with who read it.
    const auto log = collector->admin("/admin/v1/access-log?limit=100");
    int ledger_reads = 0;
    for (const auto& a : log.at("rows").as_array())
        if (a.at("action").as_string() == "media ledger" && a.at("user").as_string() == "tanaka") ++ledger_reads;
    EXPECT_EQ(ledger_reads, 1) << log;

    const auto history = boost::json::parse(collector->ctl({"media", "history", id, "--format", "json"}));
    const auto& changes = history.at("rows").as_array();
    ASSERT_EQ(changes.size(), 4u) << history;
    EXPECT_EQ(changes.at(0).at("action").as_string(), "requested");
    EXPECT_EQ(changes.at(1).at("action").as_string(), "approved");
    EXPECT_EQ(changes.at(1).at("note").as_string(), "課長決裁済");
    EXPECT_EQ(changes.at(2).at("action").as_string(), "retirement requested");
    EXPECT_EQ(changes.at(2).at("note").as_string(), "overwrite by 山田: 事務終了");
    EXPECT_EQ(changes.at(3).at("action").as_string(), "retired");
    EXPECT_EQ(changes.at(3).at("actor").as_string(), "suzuki");
    EXPECT_NE(collector->ctl({"media", "history", "M-1999-0001"}, 1).find("no media ledger entry M-1999-0001"),
              std::string::npos);
    EXPECT_NE(collector->ctl({"media", "list", "--state", "gone"}, 2).find("gone not in"), std::string::npos);
    EXPECT_NE(collector->ctl({"media", "list", "--state", "active"}).find("no media are active"), std::string::npos);

    // Retired, the same stick may be registered again, under the next number; a request is
    // withdrawn by whoever asked, and then awaits nothing.
    as(sato, with("term-s:1"));
    const std::string again = id.substr(0, id.size() - 4) + "0002";
    EXPECT_EQ(ledger({"--state", "requested"}).at("rows").at(0).at("id").as_string(), again);
    EXPECT_NE(as(sato, {"media", "withdraw", again}, 2).find("missing the reason"), std::string::npos);
    EXPECT_NE(as(sato, {"media", "withdraw", again, "--reason", "申請誤り"}).find("withdrawn"), std::string::npos);
    out = as(ciso, {"media", "approve", again}, 1);
    EXPECT_NE(out.find("is withdrawn: only a registration or a retirement that was requested awaits approval"),
              std::string::npos)
        << out;

    // Limited to the terminals listed: only they receive it, whatever the rest of the section.
    as(sato, {"media", "register", "--device", "0781:5581:0003", "--section", "税務課", "--purpose", "窓口", "--encrypted",
              "no", "--until", dateIn(5), "--terminal", "term-s"});
    as(ciso, {"media", "approve", id.substr(0, id.size() - 4) + "0003"});
    EXPECT_EQ(statusOf("term-s").at("media").to_number<uint64_t>(), 1u);
    EXPECT_EQ(statusOf("term-a").at("media").to_number<uint64_t>(), 0u);
}

INSTANTIATE_TEST_SUITE_P(Stores, MediaLedger, CollectorOnEachStore::stores(), CollectorOnEachStore::name);

}  // namespace
