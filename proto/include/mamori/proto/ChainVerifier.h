#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "mamori/proto/Ed25519Key.h"
#include "mamori/proto/EventChain.h"
#include "mamori/v1/event.pb.h"

namespace mamori::proto {

// What is wrong with a batch, most serious first.
enum class ChainFault {
    None,
    Malformed,      // a body that is not an EventBody, an empty batch
    WrongTerminal,  // a body naming another terminal than the verifier's
    BrokenChain,    // seqs not consecutive, a link or a hash that does not recompute: modified evidence
    BadSignature,   // the head is not signed by the terminal's key: forged
};

// How a self-consistent batch continues from the head the verifier already holds.
enum class Continuation {
    Next,     // first seq = head.seq + 1 and its prev_hash is the head's hash
    Replay,   // every seq is at or below the head: already stored
    Overlap,  // starts at or below the head and goes past it
    Gap,      // first seq > head.seq + 1: events were lost in between
    Fork,     // first seq = head.seq + 1 but it links to another hash
};

struct BatchCheck {
    ChainFault fault = ChainFault::None;
    size_t index = 0;            // the first offending event in the batch
    std::string detail;          // a sentence for logs and evidence records
    Continuation continuation = Continuation::Next;
    std::vector<mamori::v1::EventBody> bodies;  // parsed, when fault == None

    bool ok() const { return fault == ChainFault::None; }
};

// Verifies batches of one terminal. Only the head of each batch is signature-checked:
// every earlier event is bound to it by the hash chain, which costs a SHA-256 instead of an
// Ed25519 verification per event.
class ChainVerifier {
public:
    ChainVerifier(std::string terminal_id, Ed25519Key public_key)
        : terminal_id_(std::move(terminal_id)), key_(std::move(public_key)) {}

    BatchCheck check(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events,
                     const ChainHead& head) const;

    // Verifies every signature too: for offline audits of an exported bundle.
    BatchCheck checkAll(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events,
                        const ChainHead& head) const;

    static const char* name(ChainFault f);
    static const char* name(Continuation c);

private:
    BatchCheck run(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events, const ChainHead& head,
                   bool every_signature) const;
    std::string terminal_id_;
    Ed25519Key key_;
};

}  // namespace mamori::proto
