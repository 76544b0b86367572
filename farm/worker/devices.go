package worker

import (
	"fmt"
	"strings"
	"sync/atomic"
)

// CyclesDevices are the Cycles device types a worker can be set to, as
// Blender's Cycles preferences name them (compute_device_type); CPU renders
// without a GPU.
var CyclesDevices = []string{"CPU", "CUDA", "OPTIX", "HIP", "METAL", "ONEAPI"}

// ParseCyclesDevice checks a device type given by a person, in any case, and
// returns it as Cycles names it; "" (leave each file's own setting) stays "".
// Anything else is an error listing the choices.
func ParseCyclesDevice(s string) (string, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	for _, d := range CyclesDevices {
		if s == d {
			return d, nil
		}
	}
	return "", fmt.Errorf("cycles device %q: choose one of %s, or none to leave each file's setting", s, strings.Join(CyclesDevices, ", "))
}

// cyclesDevice is this worker's device type, set once at start from its
// settings (UseCyclesDevice) and read at each render.
var cyclesDevice atomic.Value // string

// UseCyclesDevice sets the Cycles device type this worker's renders use
// (one of CyclesDevices, or "" for each file's own setting). It is kept in
// the worker's settings file (Settings.CyclesDevice) by its caller.
func UseCyclesDevice(device string) error {
	d, err := ParseCyclesDevice(device)
	if err != nil {
		return err
	}
	cyclesDevice.Store(d)
	return nil
}

// CyclesDevice is the device type set with UseCyclesDevice; "" if none.
func CyclesDevice() string {
	d, _ := cyclesDevice.Load().(string)
	return d
}

// cyclesDeviceArgs are the Blender arguments that make a render use device
// (after the blend file is loaded): a Python expression that sets Cycles'
// compute device type in the preferences, enables that type's devices, sets
// every scene's Cycles device to GPU (or CPU) and prints what it did, as
// "Farmhand: Cycles renders on …". A GPU type with no device of that type on
// the computer raises an error, so the render fails (the worker runs Blender
// with --python-exit-code 1) instead of quietly rendering on the CPU. Nil for
// "" (the file's own setting).
func cyclesDeviceArgs(device string) []string {
	if device == "" {
		return nil
	}
	return []string{"--python-expr", cyclesDeviceScript(device)}
}

func cyclesDeviceScript(device string) string {
	if device == "CPU" {
		return `import bpy
prefs = bpy.context.preferences.addons['cycles'].preferences
prefs.compute_device_type = 'NONE'
for scene in bpy.data.scenes:
    scene.cycles.device = 'CPU'
print('Farmhand: Cycles renders on CPU (this worker\'s setting)', flush=True)
`
	}
	return fmt.Sprintf(`import bpy
kind = %q
addon = bpy.context.preferences.addons.get('cycles')
if addon is None:
    raise RuntimeError('Farmhand: the Cycles add-on is not enabled, so Cycles device ' + kind + ' cannot be set')
prefs = addon.preferences
prefs.compute_device_type = kind
prefs.get_devices()
used = []
for dev in prefs.devices:
    dev.use = dev.type == kind
    if dev.use:
        used.append(dev.name)
if not used:
    raise RuntimeError('Farmhand: this worker is set to render with Cycles device ' + kind + ', but Blender finds no ' + kind + ' device')
for scene in bpy.data.scenes:
    scene.cycles.device = 'GPU'
print('Farmhand: Cycles renders on ' + kind + ' (GPU): ' + ', '.join(used), flush=True)
`, device)
}
