// Evidence bundles from both stores, checked offline: a genuine export verifies; a flipped byte,
// a dropped event or another CA fails, naming the first bad event.
#include <gtest/gtest.h>

#include <map>

#include <filesystem>

#include "collector/CertificateAuthority.h"
#include "collector/EventIngest.h"
#include "collector/EvidenceExport.h"
#include "collector/EvidenceVerifier.h"
#include "mamori/common/UserError.h"
#include "collector/RetentionPurge.h"
#include "mamori/proto/CertificateRequest.h"
#include "mamori/proto/EventChain.h"
#include "mamori/common/Files.h"
#include "tests/support/StoreBackends.h"

using namespace mamori::collector;
namespace fs = std::filesystem;
namespace v1 = mamori::v1;
using mamori::proto::Ed25519Key;

namespace {

constexpr const char* kTerminal = "term-a";

// A CA in a temporary directory, as `mamori-collector init` makes one.
struct TestCa {
    fs::path dir;
    std::optional<CertificateAuthority> ca;
    explicit TestCa(const std::string& name) {
        std::string tmpl = (fs::temp_directory_path() / "mamori-ca-XXXXXX").string();
        dir = mkdtemp(tmpl.data());
        ca = CertificateAuthority::create(dir, name);
    }
    ~TestCa() { fs::remove_all(dir); }
    std::string pem() const { return ca->certificate().pem(); }
};

template <class Backend>
struct EvidenceExportTest : mamori::test::StoreFixture<Backend> {
    LocalCalendar calendar{"Asia/Tokyo"};
    TestCa ca{"test city"};
    Ed25519Key key = Ed25519Key::generate();
    mamori::proto::EventChain chain{key, {}};
    std::unique_ptr<Store> store;

    void SetUp() override {
        mamori::test::StoreFixture<Backend>::SetUp();
        if (this->IsSkipped() || this->HasFatalFailure()) return;
        store = this->open();
        TerminalRecord t;
        t.id = kTerminal;
        t.hostname = kTerminal;
        t.group = "税務課";
        t.certificate_pem = ca.ca->issueClient(
            mamori::proto::CertificateRequest::parse(mamori::proto::CertificateRequest::create(key, kTerminal)),
            kTerminal, std::chrono::days(825));
        t.public_key = key.publicRaw();
        t.enrolled_unix = now();
        store->addTerminal(t);
    }

    static int64_t now() { return std::chrono::duration_cast<std::chrono::seconds>(
                                      std::chrono::system_clock::now().time_since_epoch())
                                      .count(); }

    // Two signed events on each local date, ingested the way the agent endpoint does it.
    void upload(const std::vector<std::string>& dates) {
        v1::EventBatch b;
        b.set_terminal_id(kTerminal);
        for (const auto& d : dates) {
            for (int i = 0; i < 2; ++i) {
                v1::EventBody body;
                body.set_terminal_id(kTerminal);
                body.set_type(i ? v1::USB_BLOCKED : v1::HEARTBEAT);
                body.set_control(i ? v1::USB : v1::AGENT);
                body.set_violation(i == 1);
                body.set_utc_ns((calendar.startOfDateUnix(d) + 9 * 3600 + i) * 1'000'000'000);
                *b.add_events() = chain.append(body);
            }
        }
        EventIngest ingest(*store, calendar);
        // Arriving the day they happened: retention counts from arrival.
        const auto r = ingest.ingest(*store->terminal(kTerminal), b, calendar.startOfDateUnix(dates.back()) + 10 * 3600);
        ASSERT_EQ(r.http_status, 200u) << r.error;
    }

    v1::EvidenceBundle exportDates(const std::string& from, const std::string& to) {
        return EvidenceExport(*store, calendar).build(kTerminal, from, to, ca.pem(), "auditor", now());
    }
};
TYPED_TEST_SUITE(EvidenceExportTest, mamori::test::StoreBackends, mamori::test::StoreBackendNames);

uint64_t seqOf(const v1::Event& e) {
    v1::EventBody b;
    b.ParseFromString(e.body());
    return b.seq();
}

TYPED_TEST(EvidenceExportTest, ExportRoundTripVerifies) {
    this->upload({"2026-11-01", "2026-11-02", "2026-11-03", "2026-11-04", "2026-11-05"});
    const auto bundle = this->exportDates("2026-11-02", "2026-11-04");
    ASSERT_EQ(bundle.events_size(), 6);
    EXPECT_EQ(seqOf(bundle.events(0)), 3u);
    EXPECT_EQ(bundle.head_seq(), 2u);
    EXPECT_TRUE(bundle.head_from_store());
    EXPECT_EQ(bundle.head_hash(), bundle.events(0).prev_hash());
    EXPECT_EQ(bundle.time_zone(), "Asia/Tokyo");
    EXPECT_EQ(bundle.exported_by(), "auditor");

    // Through the file, as mamorictl export writes it and mamorictl verify reads it.
    const fs::path file = this->ca.dir / "term-a.bundle";
    mamori::common::Files::writeAtomic(file, bundle.SerializeAsString(), 0600);
    const auto v = EvidenceVerifier::verify(EvidenceVerifier::read(file), this->ca.pem());
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_NE(v.summary.find("6 events of terminal term-a, seq 3 to 8"), std::string::npos) << v.summary;

    const auto whole = this->exportDates("2026-10-01", "2026-12-31");
    EXPECT_EQ(whole.events_size(), 10);
    EXPECT_EQ(whole.head_seq(), 0u);
    EXPECT_TRUE(EvidenceVerifier::verify(whole).ok);
}

TYPED_TEST(EvidenceExportTest, FlippedByteFailsNamingThatSeq) {
    this->upload({"2026-11-01", "2026-11-02", "2026-11-03"});
    const auto genuine = this->exportDates("2026-11-01", "2026-11-03");
    for (const char* part : {"body", "prev_hash", "hash", "signature"}) {
        auto bundle = genuine;
        auto* e = bundle.mutable_events(3);  // seq 4
        std::string* bytes = std::string(part) == "body"        ? e->mutable_body()
                             : std::string(part) == "prev_hash" ? e->mutable_prev_hash()
                             : std::string(part) == "hash"      ? e->mutable_hash()
                                                                : e->mutable_signature();
        (*bytes)[bytes->size() / 2] ^= 0x01;
        const auto v = EvidenceVerifier::verify(bundle);
        EXPECT_FALSE(v.ok) << part;
        EXPECT_EQ(v.bad_seq, 4u) << part << ": " << v.reason;
        EXPECT_NE(v.reason.find("seq 4"), std::string::npos) << part << ": " << v.reason;
    }
}

TYPED_TEST(EvidenceExportTest, DroppedEventFailsNamingTheGap) {
    this->upload({"2026-11-01", "2026-11-02", "2026-11-03"});
    auto bundle = this->exportDates("2026-11-01", "2026-11-03");
    bundle.mutable_events()->DeleteSubrange(2, 1);  // seq 3
    auto v = EvidenceVerifier::verify(bundle);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.bad_seq, 4u);
    EXPECT_NE(v.reason.find("seq 4 follows seq 2"), std::string::npos) << v.reason;

    bundle = this->exportDates("2026-11-02", "2026-11-03");
    bundle.mutable_events()->DeleteSubrange(0, 1);  // the first, seq 3: the head is seq 2
    v = EvidenceVerifier::verify(bundle);
    EXPECT_FALSE(v.ok);
    EXPECT_EQ(v.bad_seq, 3u);
    EXPECT_NE(v.reason.find("seq 3 to 3 are missing"), std::string::npos) << v.reason;
}

TYPED_TEST(EvidenceExportTest, WrongCaFails) {
    this->upload({"2026-11-01"});
    const TestCa other("another city");
    auto bundle = this->exportDates("2026-11-01", "2026-11-01");
    auto v = EvidenceVerifier::verify(bundle, other.pem());
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("is not the CA given"), std::string::npos) << v.reason;

    bundle.set_ca_certificate_pem(other.pem());
    v = EvidenceVerifier::verify(bundle);
    EXPECT_FALSE(v.ok);
    EXPECT_NE(v.reason.find("not issued by the CA"), std::string::npos) << v.reason;
}

TYPED_TEST(EvidenceExportTest, NewerEventsStillVerifyAfterARetentionPurge) {
    this->upload({"2025-03-31"});
    this->upload({"2025-04-01"});
    RetentionPurge(*this->store, this->calendar, {}).run(date::year{2026} / date::April / 1);
    this->upload({"2026-04-02"});
    const auto bundle = this->exportDates("2025-01-01", "2026-12-31");
    ASSERT_EQ(bundle.events_size(), 4);
    EXPECT_EQ(seqOf(bundle.events(0)), 3u);
    EXPECT_FALSE(bundle.head_from_store());
    const auto v = EvidenceVerifier::verify(bundle, this->ca.pem());
    EXPECT_TRUE(v.ok) << v.reason;
    EXPECT_NE(v.summary.find("removed by retention"), std::string::npos) << v.summary;
}

TYPED_TEST(EvidenceExportTest, NothingToExportIsAnError) {
    this->upload({"2026-11-01"});
    EXPECT_THROW(this->exportDates("2026-12-01", "2026-12-31"), mamori::common::UserError);
    EXPECT_THROW(this->exportDates("2026-11-05", "2026-11-01"), mamori::common::UserError);
    EXPECT_THROW(this->exportDates("November", "2026-11-01"), mamori::common::UserError);
    EXPECT_THROW(EvidenceExport(*this->store, this->calendar).build("nobody", "2026-11-01", "2026-11-01", "", "a", 0),
                 mamori::common::UserError);
}

}  // namespace

namespace {

// What allowed the EXEMPTED events travels with them: the exceptions of the terminal and its
// group whose life overlapped the dates, each with who requested, approved and revoked it.
TYPED_TEST(EvidenceExportTest, TheBundleCarriesTheExceptionsThatCoveredTheTerminalThenWithTheirHistory) {
    this->upload({"2026-11-01", "2026-11-02", "2026-11-03"});
    auto& store = *this->store;
    const int64_t nov1 = this->calendar.startOfDateUnix("2026-11-01"), dec1 = this->calendar.startOfDateUnix("2026-12-01");
    auto request = [&](const std::string& id, const std::string& terminal, const std::string& group, int64_t created,
                       int64_t expires) {
        ExceptionRecord e;
        e.id = id;
        e.terminal = terminal;
        e.group = group;
        e.created_unix = created;
        e.expires_unix = expires;
        e.exception = "bytes of " + id;
        e.requested_by = "sato";
        store.addException(e, {id, created, "sato", "security_admin", "requested", "選挙事務"});
    };
    request("for-it", kTerminal, "", nov1 + 3600, dec1);
    store.changeException({"for-it", nov1 + 7200, "suzuki", "ciso", "approved", "決裁済"}, "requested", "active", "",
                          "suzuki", 0);
    store.changeException({"for-it", nov1 + 86400 * 5, "sato", "security_admin", "revoked", "完了"}, "active",
                          "revoked", "", "", nov1 + 86400 * 5);
    request("for-its-group", "", store.terminal(kTerminal)->group, nov1, dec1);
    request("for-another", "term-z", "", nov1, dec1);
    request("before-the-dates", kTerminal, "", nov1 - 86400 * 30, nov1 - 86400 * 10);

    const auto bundle = this->exportDates("2026-11-01", "2026-11-03");
    ASSERT_EQ(bundle.exceptions_size(), 2);
    std::map<std::string, const v1::ExceptionRecordEntry*> by_bytes;
    for (const auto& e : bundle.exceptions()) by_bytes[e.exception()] = &e;
    ASSERT_TRUE(by_bytes.count("bytes of for-it"));
    ASSERT_TRUE(by_bytes.count("bytes of for-its-group"));
    const auto& it = *by_bytes["bytes of for-it"];
    EXPECT_EQ(it.state(), "revoked");
    ASSERT_EQ(it.changes_size(), 3);
    EXPECT_EQ(it.changes(0).action(), "requested");
    EXPECT_EQ(it.changes(0).note(), "選挙事務");
    EXPECT_EQ(it.changes(1).actor(), "suzuki");
    EXPECT_EQ(it.changes(1).role(), "ciso");
    EXPECT_EQ(it.changes(2).action(), "revoked");
    EXPECT_EQ(it.changes(2).at_unix(), nov1 + 86400 * 5);
    EXPECT_EQ(by_bytes["bytes of for-its-group"]->state(), "requested");
    // The events still verify: the records beside them change nothing of the chain.
    EXPECT_TRUE(EvidenceVerifier::verify(bundle, this->ca.pem()).ok);
}

}  // namespace
