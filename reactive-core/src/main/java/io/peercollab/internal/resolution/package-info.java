// SPDX-License-Identifier: Apache-2.0
/**
 * Where contacts are: every source of a contact's addresses (where it was last seen, near me, its card, the configured
 * resolvers), and this endpoint's own Internet record kept published.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.resolution;
