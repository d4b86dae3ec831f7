#pragma once
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "collector/Store.h"
#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// What a terminal must enforce: its group's policy plus the exceptions and the media ledger
// entries (媒体管理台帳) that apply to it. One
// rule, used both to deliver policies at sync and to tell administrators which terminals are
// behind, so the two can never disagree. Caches policies per group for its own lifetime (one
// request), so listing thousands of terminals costs one policy lookup per group.
class PolicyResolver {
public:
    PolicyResolver(PolicyStore& policies, ExceptionStore& exceptions, MediaStore& media)
        : policies_(policies), exceptions_(exceptions), media_(media) {}
    explicit PolicyResolver(Store& store) : PolicyResolver(store, store, store) {}

    // The group every terminal follows when its own has no policy.
    static constexpr const char* kDefaultGroup = "all";

    struct Delivery {
        std::string terminal, group;  // whom it is for
        PolicyRecord policy;
        std::vector<ExceptionRecord> exceptions;  // active, unexpired, in scope
        std::vector<MediaRecord> media;           // active, unexpired, for this terminal
        // max(policy version, exception and ledger versions, the terminal's re-issue version): all come
        // from one counter, so a new grant or a move to another group makes the delivered policy
        // newer than what the terminal applied, and an agent that only accepts newer versions
        // takes it, even when the new group's policy is older than the one it ran.
        uint64_t version = 0;
    };

    // The latest policy pushed to the group; a group without one follows group "all".
    std::optional<PolicyRecord> forGroup(const std::string& group);

    // Nothing until some policy applies to the terminal.
    std::optional<Delivery> forTerminal(const TerminalRecord& terminal, int64_t now_unix);

    // The policy message to sign: the stored policy with only the exceptions of its profile that
    // name this terminal or its group, the granted exceptions appended, the ledger's sticks added
    // to its registered devices, the version and the terminal's group set. A stick both the
    // profile and the ledger list is kept once, with the stricter access (block, then read-only,
    // then read-write), so neither source loosens the other; at equal access the ledger's line,
    // which names its approval. Registration and push refuse such a conflict (MediaApi); this
    // makes the outcome the same whatever slips between them.
    static mamori::v1::Policy compose(const Delivery& d);

    // A ledger entry as the registered device a terminal receives (its id is the ledger number).
    static mamori::v1::UsbDevice registeredDevice(const MediaRecord& m);
    // The index of the registered device of `usb` that is the same stick as `device` (vendor,
    // product, serial); -1 if none.
    static int sameStick(const mamori::v1::UsbPolicy& usb, const mamori::v1::UsbDevice& device);
    // Whether access a is stricter than b (block > read-only > read-write).
    static bool stricter(mamori::v1::UsbAction a, mamori::v1::UsbAction b);

private:
    PolicyStore& policies_;
    ExceptionStore& exceptions_;
    MediaStore& media_;
    std::map<std::string, std::optional<PolicyRecord>> by_group_;
};

}  // namespace mamori::collector
