#pragma once
#include <string>

#include "mamori/v1/policy.pb.h"

namespace mamori::collector {

// A policy as POST /admin/v1/policies carries it ("policy_base64": base64 of its protobuf), for
// the clients that push one (mamorictl, the console, the benchmarks) and the endpoint that reads it.
class PolicyUpload {
public:
    static std::string encode(const mamori::v1::Policy& policy);
    // Throws a common::UserError, in English and Japanese, for text that is not base64 through to
    // its end (a line-wrapped copy, a stray character: decoding would stop there, and a policy cut
    // short at a field's end would otherwise be taken) or bytes that are not a policy.
    static mamori::v1::Policy decode(const std::string& base64);
};

}  // namespace mamori::collector
