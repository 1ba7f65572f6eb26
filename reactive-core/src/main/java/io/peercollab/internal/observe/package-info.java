// SPDX-License-Identifier: Apache-2.0
/**
 * How the engine calls the user's {@link io.peercollab.CollaborationObserver}: guarded, so that an observer that
 * throws never breaks the engine, and timed on one clock. Not API: no compatibility promise.
 */
package io.peercollab.internal.observe;
