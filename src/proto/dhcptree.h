/* dhcptree.h: the DHCP/BOOTP packet detail tree (-V) as Wireshark 4.0 draws it: the BOOTP header
 * and every option with its value. Called by dhcp.c for each message when a tree is wanted. */
#ifndef SLEUTH_PROTO_DHCPTREE_H
#define SLEUTH_PROTO_DHCPTREE_H

#include "base/slice.h"
#include "proto/proto.h"

/* Draws the message `m` (a UDP payload); `type_name` is option 53's text (NULL when absent). */
void dhcp_tree(struct proto_ctx *ctx, struct slice m, const char *type_name);

#endif
