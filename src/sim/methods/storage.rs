//! Simulator layer (`sim`): the storage methods: formats, disk tests, recorded
//! files (document section 4), as the simulated device carries them out.

use super::*;

impl Device {
    /// Carry out one of section 4's methods (`dispatch` routes here).
    pub(super) fn storage(&mut self, m: &str, p: &P<'_>, c: &Call<'_>) -> R {
        let now = self.t;
        match m {
            "start-format-usb" | "start-format-sd" => {
                let k = if m == "start-format-usb" {
                    DiskKind::Usb
                } else {
                    DiskKind::Sd
                };
                // The document: "disk-status & DiskValid = DiskValid".
                if self.disk(k).status() & crate::model::status::DISK_VALID == 0 {
                    return Err(ERR_DISK);
                }
                self.format.begin(now, self.op_duration(FORMAT_MS));
                self.format_disk = k;
                ok()
            }
            "clear-format-usb" => {
                if self.format.running {
                    return Err(ERR_BUSY);
                }
                self.format.clear();
                ok()
            }
            "start-test-usb" => {
                let d = &self.usb;
                if !d.present || !d.valid || !d.writable {
                    return Err(ERR_DISK);
                }
                if d.free() < LOW_SPACE_BYTES {
                    return Err(ERR_NO_SPACE);
                }
                self.disk_test_bps = d.write_bps;
                self.disk_test.begin(now, self.op_duration(DISK_TEST_MS));
                ok()
            }
            "stop-test-usb" => {
                if self.disk_test.running {
                    self.disk_test.cancel();
                }
                ok()
            }
            "clear-test-usb" => {
                if self.disk_test.running {
                    return Err(ERR_BUSY);
                }
                self.disk_test.clear();
                ok()
            }
            "get-media-files" => self.get_media_files(p),
            "del-media-files" => self.del_media_files(p, c.body),
            _ => Err(ERR_PARAM),
        }
    }

    fn get_media_files(&self, p: &P<'_>) -> R {
        let k = if p.req_choice("disk-type", &[0, 1])? == 0 {
            DiskKind::Usb
        } else {
            DiskKind::Sd
        };
        let start = p.int("start")?.unwrap_or(0);
        let count = p.int("count")?.unwrap_or(100);
        if start < 0 || count < 0 {
            return Err(ERR_PARAM);
        }
        let d = self.disk(k);
        if !d.present {
            return Err(ERR_DISK);
        }
        let folder = &self.cfg.root_folder;
        let files: Vec<Value> = d
            .files
            .iter()
            .filter(|f| &f.folder == folder)
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
            .take(count.min(10_000) as usize)
            .map(|f| {
                json!({"name": f.name, "thumbnail-name": f.thumb, "status": f.status,
                       "create-time": rules::format_unix(f.create_unix), "size-bytes": f.size,
                       "duration": f.duration_ms, "width": f.width, "height": f.height,
                       "interval": f.interval, "codec": f.codec})
            })
            .collect();
        Ok(
            json!({"result": RET_SUCCEED, "path": d.media_path(folder), "thumbnail": "thumbnail", "media-files": files}),
        )
    }

    fn del_media_files(&mut self, p: &P<'_>, body: &[u8]) -> R {
        let text = String::from_utf8_lossy(body);
        let parsed: Option<Value> = serde_json::from_str(&text)
            .ok()
            // The document's example payload leaves the keys unquoted.
            .or_else(|| {
                serde_json::from_str(
                    &text
                        .replace("disk-type:", "\"disk-type\":")
                        .replace("media-files:", "\"media-files\":"),
                )
                .ok()
            });
        let obj = parsed.as_ref().and_then(Value::as_object);
        let disk_type = match obj.and_then(|o| o.get("disk-type")) {
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(parse_int))
                .ok_or(ERR_PARAM)?,
            None => p.req_int("disk-type")?,
        };
        let k = match disk_type {
            0 => DiskKind::Usb,
            1 => DiskKind::Sd,
            _ => return Err(ERR_PARAM),
        };
        let names: Vec<String> = obj
            .and_then(|o| o.get("media-files"))
            .and_then(Value::as_array)
            .ok_or(ERR_PARAM)?
            .iter()
            .map(|v| v.as_str().map(str::to_string).ok_or(ERR_PARAM))
            .collect::<Result<_, _>>()?;
        if names.is_empty() {
            return Err(ERR_PARAM);
        }
        let folder = self.cfg.root_folder.clone();
        let d = self.disk_mut(k);
        if !d.present {
            return Err(ERR_DISK);
        }
        let (mut deleted, mut busy) = (0, false);
        for n in &names {
            match d
                .files
                .iter()
                .position(|f| f.folder == folder && &f.name == n)
            {
                Some(i) if d.files[i].status == 0 => busy = true,
                Some(i) => {
                    d.remove_file(i);
                    deleted += 1;
                }
                None => {}
            }
        }
        if busy {
            Err(ERR_BUSY)
        } else if deleted == 0 {
            Err(ERR_NOT_FOUND)
        } else {
            ok()
        }
    }
}
