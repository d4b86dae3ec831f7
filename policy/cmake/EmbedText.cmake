# Turns a text file into a C++ raw string literal at build time:
#   cmake -DINPUT=file -DOUTPUT=file.inc -DNAME=kIdentifier -P EmbedText.cmake
# so that the default profile compiled into the agent is the file the installer ships.
file(READ "${INPUT}" content)
string(FIND "${content}" ")mamori_text\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${INPUT} contains the raw-string delimiter )mamori_text\"")
endif()
set(text "// Generated from ${INPUT} by policy/cmake/EmbedText.cmake; edit that file instead.\n")
string(APPEND text "constexpr std::string_view ${NAME} = R\"mamori_text(${content})mamori_text\";\n")
# Rewrite only on change so that touching the profile's timestamp does not rebuild the world.
if(EXISTS "${OUTPUT}")
  file(READ "${OUTPUT}" old)
  if(old STREQUAL text)
    return()
  endif()
endif()
file(WRITE "${OUTPUT}" "${text}")
