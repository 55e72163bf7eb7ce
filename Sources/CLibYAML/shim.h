#ifndef FERRY_CLIBYAML_SHIM_H
#define FERRY_CLIBYAML_SHIM_H
#include <yaml.h>
#endif
