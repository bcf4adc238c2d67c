/* applets.h - the applets' entry points, from applets.def; argv[0] is the
 * applet's own name ("qubes-vpn-up"). */
#ifndef QVPN_APPLETS_H
#define QVPN_APPLETS_H

#define APPLET(name, entry, summary) int entry(int argc, char **argv);
#include "applets.def"
#undef APPLET

#endif
