# Warning flags of STYLE.md, applied to every target of the project.
set(ADS_WARNING_FLAGS
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wold-style-definition -Wwrite-strings -Wpointer-arith -Wvla -Wformat=2
  -Wundef -Wcast-qual -Wimplicit-fallthrough -fno-common)
if(ADS_WERROR)
  list(APPEND ADS_WARNING_FLAGS -Werror)
endif()
add_compile_options(${ADS_WARNING_FLAGS})
add_compile_definitions(_POSIX_C_SOURCE=200809L _DEFAULT_SOURCE)
