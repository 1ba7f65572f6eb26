// SPDX-License-Identifier: Apache-2.0
/**
 * The emission machinery every room shares: the emission queue (a drain loop per room, so that no subscriber code runs
 * under a lock), state streams and fan-outs with their overflow policies, the one-to-many operator of remote event
 * streams, the deadline queue (one timer per endpoint) and the serial queue of life-cycle steps.
 *
 * <p>Implementation, not API: anything here may change in any release. Public packages never import it.
 */
package io.peercollab.internal.flow;
