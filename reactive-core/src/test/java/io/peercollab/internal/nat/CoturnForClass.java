// SPDX-License-Identifier: Apache-2.0
package io.peercollab.internal.nat;

import java.util.function.Consumer;
import java.util.function.Supplier;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One coturn for the tests of a class, as a JUnit extension ({@code @RegisterExtension static final}): started before
 * them where what the class needs is there, stopped after them; where it is not, each test is skipped with the
 * reason, or failed under {@code PEERCOLLAB_CI} ({@link CoturnServer#skipOrFail}). The server goes to the class's
 * {@code started} consumer (a static field, so that its tests read {@code coturn.primary()} as before); the skip
 * comes before the class's own {@code @BeforeEach} methods.
 *
 * <pre>{@code
 * private static CoturnServer coturn;
 *
 * @RegisterExtension
 * static final CoturnForClass COTURN = CoturnForClass.withNatLab(true, s -> coturn = s);
 * }</pre>
 */
final class CoturnForClass implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {

	private final boolean rfc5780;

	private final Supplier<String> unavailableReason;

	private final String cannot;

	private final Consumer<CoturnServer> started;

	private CoturnServer server;

	private CoturnForClass(boolean rfc5780, Supplier<String> unavailableReason, String cannot,
			Consumer<CoturnServer> started) {
		this.rfc5780 = rfc5780;
		this.unavailableReason = unavailableReason;
		this.cannot = cannot;
		this.started = started;
	}

	/** coturn alone, on {@code lo} ({@link CoturnServer#unavailableReason()}). */
	static CoturnForClass coturn(boolean rfc5780, Consumer<CoturnServer> started) {
		return new CoturnForClass(rfc5780, CoturnServer::unavailableReason, "coturn cannot run", started);
	}

	/** coturn for NAT labs ({@link NatLab#unavailableReason()}). */
	static CoturnForClass withNatLab(boolean rfc5780, Consumer<CoturnServer> started) {
		return new CoturnForClass(rfc5780, NatLab::unavailableReason, "the NAT lab cannot be built", started);
	}

	/** coturn for NAT labs with miniupnpd on the router ({@link MiniupnpdGateway#unavailableReason()}). */
	static CoturnForClass withMiniupnpd(boolean rfc5780, Consumer<CoturnServer> started) {
		return new CoturnForClass(rfc5780, MiniupnpdGateway::unavailableReason, "miniupnpd cannot run in a NAT lab",
				started);
	}

	@Override
	public void beforeAll(ExtensionContext context) {
		if (unavailableReason.get() == null) {
			server = CoturnServer.start(rfc5780);
			started.accept(server);
		}
	}

	@Override
	public void beforeEach(ExtensionContext context) {
		CoturnServer.skipOrFail(cannot, unavailableReason.get());
	}

	@Override
	public void afterAll(ExtensionContext context) {
		if (server != null) {
			server.close();
			server = null;
		}
	}
}
