// SPDX-License-Identifier: Apache-2.0
/**
 * Both sides of invitations: sending, receiving, the policy, the rate limit, expiry (on the endpoint's one timer),
 * withdrawal and crossing invitations.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.invite;
