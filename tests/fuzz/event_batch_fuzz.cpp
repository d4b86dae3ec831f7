// An event batch is the body of POST /v1/events: bytes from the network, read before anything
// in them is trusted. Any bytes must be refused or stored, never crash the collector, and what
// the verifier and the authenticator accept must be what they promise (one parsed body per
// event, this terminal's, consecutive seqs).
//
// The first input byte selects how much of an honest terminal to simulate; without it a mutated
// batch almost never gets past the signature, and the ingest path behind it would go untested:
//   bit 0  re-link the chain and sign the head with the terminal's key (a terminal with a valid
//          key sending whatever bodies the fuzzer made)
//   bit 1  link the first event to the stored head instead of the genesis hash
//   bit 2  stamp this terminal's id into every body that parses
//   bit 3  renumber those bodies from the stored head's seq + 1
// The rest is a serialized mamori::v1::EventBatch.
#include <google/protobuf/stubs/logging.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "collector/EventIngest.h"
#include "collector/LocalCalendar.h"
#include "collector/Store.h"
#include "mamori/proto/BatchAuthenticator.h"
#include "mamori/proto/ChainVerifier.h"
#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EventChain.h"
#include "mamori/common/Log.h"
#include "mamori/v1/api.pb.h"

namespace {

using mamori::proto::ChainHead;
using mamori::proto::Ed25519Key;

constexpr char kTerminal[] = "fuzz-pc";
// Fixed so that the seed corpus can hold batches this terminal really signed.
constexpr char kTerminalKey[] =
    "-----BEGIN PRIVATE KEY-----\n"
    "MC4CAQAwBQYDK2VwBCIEICIVTL9vSLM9ZuPassiL3K/EqM66Q6kQKlG1sT8wlcee\n"
    "-----END PRIVATE KEY-----\n";

// One collector store with the terminal enrolled, kept for the whole run. On tmpfs, where the
// store's fdatasync costs nothing, so the fuzzer spends its time in parsing and verification.
struct Collector {
    Ed25519Key key = Ed25519Key::fromPrivatePem(kTerminalKey);
    mamori::proto::ChainVerifier verifier{kTerminal, Ed25519Key::fromPublicRaw(key.publicRaw())};
    mamori::proto::BatchAuthenticator authenticator{kTerminal, Ed25519Key::fromPublicRaw(key.publicRaw())};
    std::filesystem::path dir;
    std::unique_ptr<mamori::collector::Store> store;
    mamori::collector::LocalCalendar calendar{"Asia/Tokyo"};
    std::unique_ptr<mamori::collector::EventIngest> ingest;
    mamori::collector::TerminalRecord terminal;

    Collector() {
        mamori::Log::setLevel(mamori::Log::Level::Error);  // every refusal is logged as a warning
        google::protobuf::SetLogHandler(nullptr);            // and libprotobuf logs every non-UTF-8 string
        std::filesystem::path base =
            std::filesystem::is_directory("/dev/shm") ? "/dev/shm" : std::filesystem::temp_directory_path();
        dir = base / ("mamori-fuzz-event-batch-" + std::to_string(getpid()));
        std::filesystem::create_directories(dir);
        store = mamori::collector::openStore("sqlite:" + (dir / "store.db").string());
        terminal.id = kTerminal;
        terminal.hostname = kTerminal;
        terminal.group = "fuzz";
        terminal.public_key = key.publicRaw();
        store->addTerminal(terminal);
        ingest = std::make_unique<mamori::collector::EventIngest>(*store, calendar);
    }
    ~Collector() {
        ingest.reset();
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
};

Collector& collector() {
    static Collector c;
    return c;
}

// What an honest terminal with these bodies would have sent: a valid chain, a signed head.
void makeHonest(mamori::v1::EventBatch& batch, uint8_t flags, const ChainHead& stored, const Ed25519Key& key) {
    std::string prev = flags & 2 ? stored.hash : std::string(32, '\0');
    uint64_t seq = stored.seq;
    for (auto& ev : *batch.mutable_events()) {
        mamori::v1::EventBody body;
        if ((flags & 12) && body.ParseFromString(ev.body())) {
            if (flags & 4) body.set_terminal_id(kTerminal);
            if (flags & 8) body.set_seq(++seq);
            ev.set_body(body.SerializeAsString());
        }
        ev.set_prev_hash(prev);
        ev.set_hash(mamori::proto::EventChain::linkHash(prev, ev.body()));
        ev.clear_signature();
        prev = ev.hash();
    }
    if (!batch.events().empty()) {
        auto* head = batch.mutable_events(batch.events_size() - 1);
        head->set_signature(key.sign(head->hash()));
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const uint8_t flags = data[0];
    mamori::v1::EventBatch batch;
    if (!batch.ParseFromArray(data + 1, static_cast<int>(size - 1))) return 0;
    Collector& c = collector();

    auto current = c.store->terminal(kTerminal);
    if (!current) std::abort();
    if (flags & 1) makeHonest(batch, flags, ChainHead{current->head_seq, current->head_hash}, c.key);

    // The verifier alone, against a fixed head: its promises about an accepted batch.
    const auto check = c.verifier.check(batch.events(), ChainHead{});
    if (check.ok()) {
        if (check.bodies.size() != static_cast<size_t>(batch.events_size())) std::abort();
        for (size_t i = 0; i < check.bodies.size(); ++i) {
            if (check.bodies[i].terminal_id() != kTerminal || check.bodies[i].seq() == 0) std::abort();
            if (i > 0 && check.bodies[i].seq() != check.bodies[i - 1].seq() + 1) std::abort();
        }
    } else if (!check.bodies.empty() || check.detail.empty()) {
        std::abort();  // a refusal carries no bodies and says why
    }

    // The authenticator alone: its stretches tile the batch, and an authentic one holds this
    // terminal's consecutive seqs, one parsed body per event.
    const auto split = c.authenticator.split(batch.events());
    int covered = 0;
    for (const auto& s : split.stretches) {
        if (s.begin != covered || s.end <= s.begin) std::abort();
        covered = s.end;
        if (!s.authentic) {
            if (!s.bodies.empty() || s.reason.empty()) std::abort();
            continue;
        }
        if (s.bodies.size() != static_cast<size_t>(s.end - s.begin)) std::abort();
        for (size_t i = 0; i < s.bodies.size(); ++i) {
            if (s.bodies[i].terminal_id() != kTerminal || s.bodies[i].seq() == 0) std::abort();
            if (i > 0 && s.bodies[i].seq() != s.bodies[i - 1].seq() + 1) std::abort();
        }
    }
    if (covered != batch.events_size() || split.verifications > static_cast<size_t>(batch.events_size())) std::abort();

    // The collector's whole ingest path, as AgentApi calls it for this terminal.
    batch.set_terminal_id(flags & 4 ? kTerminal : batch.terminal_id());
    const auto result = c.ingest->ingest(*current, batch, 1'760'000'000);
    if (result.http_status == 200) {
        if (!result.error.empty()) std::abort();
        auto after = c.store->terminal(kTerminal);
        if (!after || after->head_seq < current->head_seq) std::abort();  // the head never moves back
        if (result.ack.acked_seq() < current->head_seq) std::abort();
        for (const auto& r : result.ack.refused())
            if (r.first_seq() == 0 || r.first_seq() > r.last_seq()) std::abort();
    } else if (result.http_status != 400 && result.http_status != 403) {
        std::abort();
    } else if (result.error.empty()) {
        std::abort();
    }
    return 0;
}
