// SPDX-License-Identifier: Apache-2.0
/**
 * People near me: the discovery sessions this endpoint runs, the verification of each neighbour's name against its
 * key, and the near-me event stream.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.nearme;
