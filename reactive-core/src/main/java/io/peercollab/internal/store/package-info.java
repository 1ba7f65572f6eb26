// SPDX-License-Identifier: Apache-2.0
/**
 * The contact stores behind {@code ContactStore}'s factories: in memory, and on R2DBC (H2 by default) with its schema
 * and migrations.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.store;
