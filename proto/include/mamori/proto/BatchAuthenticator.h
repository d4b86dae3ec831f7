#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "mamori/proto/Ed25519Key.h"
#include "mamori/v1/event.pb.h"

namespace mamori::proto {

// A stretch of a batch, in batch order. An authentic stretch holds events whose hashes
// recompute, whose bodies are the terminal's, which link to each other and which a verified
// signature of the terminal covers. A refused stretch holds everything else; its bodies are
// not trusted for anything, not even their seqs.
struct BatchStretch {
    bool authentic = false;
    int begin = 0, end = 0;                     // batch indexes [begin, end)
    std::vector<mamori::v1::EventBody> bodies;  // authentic only, one per index
    std::string reason;                         // refused only: what the first refused event failed
};

// Splits one terminal's batch into authentic and refused stretches, so that one altered event
// costs only itself. A run of linked events is proved by the signature of its last event,
// which covers every hash before it: an intact batch costs one Ed25519 verification. Where a
// run's last signature fails, earlier events are tried from the end, so the honest prefix
// survives; a run after a bad event is proved by its own last signature.
class BatchAuthenticator {
public:
    BatchAuthenticator(std::string terminal_id, Ed25519Key public_key)
        : terminal_id_(std::move(terminal_id)), key_(std::move(public_key)) {}

    // Adjacent refused events form one stretch; two authentic stretches meet where their link
    // breaks although both sides are signed (the terminal itself forked its chain).
    struct Split {
        std::vector<BatchStretch> stretches;
        size_t verifications = 0;  // signatures checked, for tests and the benchmark
    };
    Split split(const google::protobuf::RepeatedPtrField<mamori::v1::Event>& events) const;

private:
    // The body when the event is sound on its own (parses, names this terminal, a usable seq,
    // a hash that recomputes); otherwise nothing, with why.
    bool sound(const mamori::v1::Event& ev, mamori::v1::EventBody& body, std::string& why) const;

    std::string terminal_id_;
    Ed25519Key key_;
};

}  // namespace mamori::proto
