/* oui.h: short vendor names for IEEE OUIs (MAC prefixes), as in tshark's -N m name resolution. */
#ifndef SLEUTH_REPORT_OUI_H
#define SLEUTH_REPORT_OUI_H

#include <stddef.h>
#include <stdint.h>

/*
 * Returns the short vendor name (1-8 characters from [A-Za-z0-9-], e.g.
 * "IntelCor") registered for the first 3 bytes of the 6-byte MAC, or NULL when
 * that OUI is not in the IEEE MA-L registry the table was generated from.
 * The string is static; no allocation.
 */
const char *oui_lookup(const uint8_t *mac);

/* Number of OUIs in the table. */
size_t oui_count(void);

#endif
