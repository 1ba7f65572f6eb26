// SPDX-License-Identifier: Apache-2.0
/**
 * Where this endpoint stands on the network: a STUN client (RFC 5389 binding requests over UDP) that learns the
 * endpoint's reflexive (mapped) address, and the NAT behaviour discovery of RFC 5780 (mapping and filtering) built on
 * it.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.nat;
