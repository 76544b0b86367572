package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// FarmChoice is a farm found on the network that this computer could join.
type FarmChoice struct {
	Name      string
	URL       string
	ManagerID string
	// Fingerprint is the manager's certificate fingerprint as the network
	// announced it, which the join pins; "" from a manager without TLS.
	Fingerprint string
}

// FirstRun is the welcome window of a computer that belongs to no farm yet:
// start a farm here, or join one of those found on the network. Its calls
// must run on Fyne's goroutine (fyne.Do).
type FirstRun struct {
	win    fyne.Window
	status *widget.Label
	farms  *fyne.Container
	start  *widget.Button
	// again looks for farms again (OnSearch), shown once a search ended.
	again    *widget.Button
	onSearch func()
	onJoin   func(FarmChoice)
	busy     bool
}

// NewFirstRun builds the welcome window; onStart and onJoin are called once
// the person chose, and the window then waits (Waiting) until the caller
// replaces it with the farm's main window or reports a failure (Failed).
func NewFirstRun(a fyne.App, onStart func(), onJoin func(FarmChoice)) *FirstRun {
	f := &FirstRun{win: a.NewWindow("Welcome to Farmhand"), onJoin: onJoin,
		status: widget.NewLabel("Looking for farms on the network…"), farms: container.NewVBox()}
	f.status.Wrapping = fyne.TextWrapWord
	f.start = widget.NewButtonWithIcon("Start a farm on this computer", theme.HomeIcon(), func() {
		f.Waiting("Starting the farm…")
		onStart()
	})
	f.start.Importance = widget.HighImportance
	f.again = widget.NewButtonWithIcon("Look again", theme.SearchIcon(), func() {
		if f.onSearch != nil {
			f.SetFarms(nil, true)
			f.onSearch()
		}
	})
	f.again.Hide()
	intro := widget.NewLabel("This computer does not belong to a render farm yet. Start one here — " +
		"other computers then join it — or join a farm running on your network.")
	intro.Wrapping = fyne.TextWrapWord
	title := widget.NewLabelWithStyle("Welcome to Farmhand", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	f.win.SetContent(container.NewPadded(container.NewVBox(title, intro, f.start, widget.NewSeparator(),
		widget.NewLabelWithStyle("Farms on your network", fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		f.farms, f.status, container.NewHBox(f.again))))
	f.win.Resize(fyne.NewSize(560, 380))
	return f
}

// Window returns the welcome window.
func (f *FirstRun) Window() fyne.Window { return f.win }

// OnSearch sets what "Look again" does: search the network anew, then call
// SetFarms or SearchFailed. Without it the button never shows.
func (f *FirstRun) OnSearch(search func()) { f.onSearch = search }

// SearchFailed says that the network could not be searched, and why (no
// multicast route, say), rather than that no farm answered.
func (f *FirstRun) SearchFailed(why string) {
	f.SetFarms(nil, false)
	if !f.busy {
		f.status.SetText("Could not look for farms on this network: " + why + ". Start one here, or run " +
			"'farmhand worker --manager URL' to join one by its address.")
	}
}

// SetFarms lists the farms found; searching says whether the search goes on.
func (f *FirstRun) SetFarms(farms []FarmChoice, searching bool) {
	if searching || f.onSearch == nil {
		f.again.Hide()
	} else {
		f.again.Show()
	}
	f.farms.RemoveAll()
	for _, farm := range farms {
		farm := farm
		join := widget.NewButtonWithIcon("Join "+farm.Name, theme.LoginIcon(), func() {
			f.Waiting("Asking to join " + farm.Name + "…")
			f.onJoin(farm)
		})
		if f.busy {
			join.Disable()
		}
		f.farms.Add(container.NewBorder(nil, nil, nil, join, widget.NewLabel(farm.URL)))
	}
	if f.busy {
		return
	}
	switch {
	case searching:
		f.status.SetText("Looking for farms on the network…")
	case len(farms) == 0:
		f.status.SetText("No farm answered on this network. Start one here, or run 'farmhand worker --manager URL' to join one elsewhere.")
	default:
		f.status.SetText("")
	}
}

// Waiting shows what the window waits for, with the choices disabled.
func (f *FirstRun) Waiting(message string) {
	f.busy = true
	f.enableChoices(false)
	f.status.SetText(message)
}

// Failed shows why the choice did not work and offers the choices again.
func (f *FirstRun) Failed(message string) {
	f.busy = false
	f.enableChoices(true)
	f.status.SetText(message)
}

// enableChoices switches the start button and every join button.
func (f *FirstRun) enableChoices(on bool) {
	buttons := []*widget.Button{f.start}
	for _, o := range f.farms.Objects {
		if row, ok := o.(*fyne.Container); ok {
			for _, c := range row.Objects {
				if b, ok := c.(*widget.Button); ok {
					buttons = append(buttons, b)
				}
			}
		}
	}
	for _, b := range buttons {
		if on {
			b.Enable()
		} else {
			b.Disable()
		}
	}
}
