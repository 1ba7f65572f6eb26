// SPDX-License-Identifier: Apache-2.0
package io.peercollab.examples.meeting;

import java.util.List;

import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.interactions.Actions;

/** One person's Meeting Space page in a browser, as a test clicks and reads it. */
final class MeetingPage implements AutoCloseable {

	final String who;
	final ChromeDriver driver;

	MeetingPage(String who, String url) {
		this.who = who;
		this.driver = Chromium.start(who);
		driver.get(url);
		Chromium.await(driver, who + "'s page connects", d -> d.findElement(By.id("connection")).getText()
				.startsWith("connected"));
	}

	List<String> near() {
		return texts("#near-list li .nick");
	}

	/** The text of every element matching {@code css}, read at once (the page re-renders lists as they change). */
	@SuppressWarnings("unchecked")
	List<String> texts(String css) {
		return (List<String>) Chromium.js(driver, "return Array.from(document.querySelectorAll(arguments[0]))"
				+ ".map(e => e.textContent);", css);
	}

	/** Clicks the element {@code inner} of the first item of {@code list} whose text contains {@code text}. */
	boolean clickIn(String list, String text, String inner) {
		return Boolean.TRUE.equals(Chromium.js(driver, "const li = Array.from(document.querySelectorAll(arguments[0]))"
				+ ".find(e => e.textContent.includes(arguments[1])); if (!li) return false;"
				+ " li.querySelector(arguments[2]).click(); return true;", list, text, inner));
	}

	void tick(String nickname) {
		if (!clickIn("#near-list li", nickname, ".pick")) {
			throw new AssertionError(nickname + " is not near " + who);
		}
	}

	/** Waits for an invitation from {@code sender}, and answers it with the button {@code answer}. */
	void answer(String sender, String answer) {
		Chromium.await(driver, who + " sees an invitation from " + sender,
				d -> texts("#invitations li .nick").stream().anyMatch(t -> t.startsWith(sender)));
		shot("02-" + who + "-is-invited");
		if (!clickIn("#invitations li", sender, "." + answer)) {
			throw new AssertionError("no invitation from " + sender + " at " + who);
		}
	}

	/** The participant's status as the meeting panel shows it, or null. */
	String participant(String nickname) {
		return (String) Chromium.js(driver, "const li = Array.from(document.querySelectorAll('#participants li'))"
				+ ".find(e => e.textContent.startsWith(arguments[0] + ' ')); return li ? li.dataset.status : null;",
				nickname);
	}

	void awaitParticipant(String nickname, String status) {
		Chromium.await(driver, who + " sees " + nickname + " " + status, d -> status.equals(participant(nickname)));
	}

	/** Draws with the mouse: a pen stroke through the points, or a shape from the first to the last. */
	void draw(String tool, int... xy) {
		driver.findElement(By.cssSelector("input[name=tool][value=" + tool + "]")).click();
		WebElement board = driver.findElement(By.id("board"));
		int w = board.getSize().getWidth();
		int h = board.getSize().getHeight();
		// offsets from the board's centre, the points given on a 1200 x 750 board
		Actions a = new Actions(driver).moveToElement(board, xy[0] * w / 1200 - w / 2, xy[1] * h / 750 - h / 2)
				.clickAndHold();
		for (int i = 2; i < xy.length; i += 2) {
			a = a.moveToElement(board, xy[i] * w / 1200 - w / 2, xy[i + 1] * h / 750 - h / 2);
		}
		a.release().perform();
	}

	@SuppressWarnings("unchecked")
	List<String> strokeIds() {
		return (List<String>) Chromium.js(driver, "return window.meetingSpace.strokeIds();");
	}

	@SuppressWarnings("unchecked")
	List<String> chatLines() {
		return (List<String>) Chromium.js(driver, "return window.meetingSpace.chatLines();");
	}

	void say(String text) {
		driver.findElement(By.id("chat-input")).sendKeys(text);
		driver.findElement(By.id("chat-send")).click();
	}

	String meetingStatus() {
		return driver.findElement(By.id("meeting-status")).getText();
	}

	void shot(String name) {
		Chromium.screenshot(driver, name);
	}

	@Override
	public void close() {
		driver.quit();
	}
}
