package availability

import (
	"testing"
	"time"
)

// fakeIdle is an idle source a test sets by hand, as a person's last input.
type fakeIdle struct {
	clock     *time.Time
	lastInput time.Time
	known     bool
}

func (f *fakeIdle) Idle() Idle {
	if !f.known {
		return Unknown{Why: "no display"}.Idle()
	}
	return Idle{Known: true, Idle: f.clock.Sub(f.lastInput), Source: "fake"}
}

func TestEvaluate(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 12, 2, 20, 0, 0, 0, berlin) // a Wednesday evening
	evening, _ := ParseSchedule("mon-fri 19:00-08:00")
	daytime, _ := ParseSchedule("mon-fri 09:00-17:00")
	idle := func(d time.Duration) Idle { return Idle{Known: true, Idle: d, Source: "fake"} }
	away := idle(time.Hour)
	later := now.Add(2 * time.Hour)
	cases := []struct {
		name  string
		rules Rules
		idle  Idle
		load  Load
		want  Decision
	}{
		{"no rules", Rules{}, Unknown{}.Idle(), Load{}, Decision{Available: true, Rule: RuleAlways}},
		{"within the schedule", Rules{Schedule: evening}, away, Load{}, Decision{Available: true, Rule: RuleSchedule, Until: time.Date(2026, 12, 3, 8, 0, 0, 0, berlin)}},
		{"outside the schedule", Rules{Schedule: daytime}, away, Load{}, Decision{Available: false, Rule: RuleSchedule, Until: time.Date(2026, 12, 3, 9, 0, 0, 0, berlin)}},
		{"render now beats the schedule", Rules{Schedule: daytime, Override: &Override{Render: true, Until: later}}, idle(0), Load{}, Decision{Available: true, Rule: RuleRenderNow, Until: later}},
		{"don't render beats an away person", Rules{IdleAfter: Duration(time.Minute), Override: &Override{Until: later}}, away, Load{}, Decision{Available: false, Rule: RulePaused, Until: later}},
		{"an expired override is ignored", Rules{Schedule: daytime, Override: &Override{Render: true, Until: now}}, away, Load{}, Decision{Available: false, Rule: RuleSchedule, Until: time.Date(2026, 12, 3, 9, 0, 0, 0, berlin)}},
		{"person present", Rules{IdleAfter: Duration(10 * time.Minute)}, idle(4 * time.Minute), Load{}, Decision{Available: false, Rule: RulePresent, Until: now.Add(6 * time.Minute)}},
		{"person away", Rules{IdleAfter: Duration(10 * time.Minute)}, idle(10 * time.Minute), Load{}, Decision{Available: true, Rule: RuleIdle}},
		{"away within the schedule", Rules{IdleAfter: Duration(10 * time.Minute), Schedule: evening}, away, Load{}, Decision{Available: true, Rule: RuleIdle, Until: time.Date(2026, 12, 3, 8, 0, 0, 0, berlin)}},
		{"idle time unreadable is not guessed", Rules{IdleAfter: Duration(time.Minute)}, Unknown{Why: "no display"}.Idle(), Load{}, Decision{Available: false, Rule: RuleIdleUnknown}},
		{"other programs busy", Rules{MaxOtherCPU: 0.5}, away, Load{Known: true, OtherCPU: 0.8, FreeMemory: 8 << 30}, Decision{Available: false, Rule: RuleBusy}},
		{"other programs quiet", Rules{MaxOtherCPU: 0.5}, away, Load{Known: true, OtherCPU: 0.2}, Decision{Available: true, Rule: RuleAlways}},
		{"too little memory", Rules{MinFreeMemory: 4 << 30}, away, Load{Known: true, FreeMemory: 1 << 30}, Decision{Available: false, Rule: RuleMemory}},
		{"unreadable load holds nothing back", Rules{MinFreeMemory: 4 << 30, MaxOtherCPU: 0.1}, away, Load{}, Decision{Available: true, Rule: RuleAlways}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := c.rules.Evaluate(now, c.idle, c.load)
			if got.Available != c.want.Available || got.Rule != c.want.Rule || !got.Until.Equal(c.want.Until) {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			if got.Detail == "" {
				t.Error("no words for the tray")
			}
		})
	}
}

// step is one moment of a gate's life: the clock moves by after, the person
// touches the computer if input, then the gate is asked.
type step struct {
	after    time.Duration
	input    bool
	take     bool // the worker takes new work
	stop     bool // the running task is stopped
	inGrace  bool
	override *Override
}

func TestGate(t *testing.T) {
	idleRules := Rules{IdleAfter: Duration(5 * time.Minute), OnReturn: ReturnStop}
	start := time.Date(2026, 12, 2, 20, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		rules Rules
		steps []step
	}{
		{"the person comes back and stays: stopped after the grace period", idleRules, []step{
			{after: 0, take: true},
			{after: time.Second, input: true, inGrace: true},
			{after: 30 * time.Second, input: true, inGrace: true},
			{after: 29 * time.Second, input: true, inGrace: true},
			{after: time.Second, input: true, stop: true},
		}},
		{"a brief touch is forgiven until the next input", idleRules, []step{
			{after: 0, take: true},
			{after: time.Second, input: true, inGrace: true},
			{after: 60 * time.Second},
			{after: 60 * time.Second},
			{after: 5 * time.Second, input: true, stop: true},
		}},
		{"finish: the task is never stopped", Rules{IdleAfter: Duration(5 * time.Minute)}, []step{
			{after: 0, take: true},
			{after: time.Second, input: true, inGrace: true},
			{after: time.Hour, input: true},
		}},
		{"a custom grace period", Rules{IdleAfter: Duration(5 * time.Minute), OnReturn: ReturnStop, Grace: Duration(10 * time.Second)}, []step{
			{after: 0, take: true},
			{after: time.Second, input: true, inGrace: true},
			{after: 9 * time.Second, input: true, inGrace: true},
			{after: time.Second, input: true, stop: true},
		}},
		{"available again within the grace period starts it anew", Rules{OnReturn: ReturnStop}, []step{
			{after: 0, override: &Override{Until: start.Add(30 * time.Second)}, inGrace: true},
			{after: 30 * time.Second, take: true}, // the override expired
			{after: time.Second, override: &Override{Until: start.Add(time.Hour)}, inGrace: true},
			{after: 59 * time.Second, inGrace: true},
			{after: time.Second, stop: true},
		}},
		{"unknown idle time is not taken for an away person", Rules{IdleAfter: Duration(time.Minute)}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := start
			src := &fakeIdle{clock: &now, lastInput: start.Add(-time.Hour), known: c.steps != nil}
			var g Gate
			rules := c.rules
			if c.steps == nil {
				s := g.Step(rules, now, src.Idle(), Load{})
				if s.Available || s.Rule != RuleIdleUnknown {
					t.Errorf("got %+v", s)
				}
				return
			}
			for i, st := range c.steps {
				now = now.Add(st.after)
				if st.input {
					src.lastInput = now
				}
				if st.override != nil {
					rules.Override = st.override
				}
				s := g.Step(rules, now, src.Idle(), Load{})
				if s.Available != st.take || s.StopTask != st.stop || !s.GraceUntil.IsZero() != st.inGrace {
					t.Errorf("step %d at +%s: take=%v stop=%v grace until %v (%s); want take=%v stop=%v in grace=%v",
						i, now.Sub(start), s.Available, s.StopTask, s.GraceUntil, s.Rule, st.take, st.stop, st.inGrace)
				}
			}
		})
	}
}
