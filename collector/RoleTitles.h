#pragma once
#include <string>

#include "collector/AdminStore.h"

namespace mamori::collector {

// What each city calls the four roles (AdminRole): a title in Japanese per role, shown beside the
// role wherever people are listed, so that 情報政策課長 reads as the security_admin it is. The
// role names themselves never change (they are the rules); only the words shown do. Kept in the
// store's settings, so every collector of a store shows the same.
class RoleTitles {
public:
    explicit RoleTitles(AdminStore& store) : store_(store) {}

    // The title shown for a known role: the city's, else the standard one.
    std::string title(const std::string& role);
    static std::string standardTitle(const std::string& role);

    // Sets the city's title, or goes back to the standard one for an empty title. Throws
    // common::UserError (Invalid) for an unknown role or a title that cannot be shown on one line.
    void set(const std::string& role, const std::string& title);

private:
    AdminStore& store_;
};

}  // namespace mamori::collector
