/*
 * Copyright (C) 2017 Matthias Schiffer <mschiffer@universe-factory.net>
 *
 * This program is free software; you can redistribute it and/or modify
 * it under the terms of the GNU Lesser General Public License version 2.1
 * as published by the Free Software Foundation
 *
 * This program is distributed in the hope that it will be useful,
 * but WITHOUT ANY WARRANTY; without even the implied warranty of
 * MERCHANTABILITY or FITNESS FOR A PARTICULAR PURPOSE.  See the
 * GNU General Public License for more details.
 */

#ifndef __PROCD_SYSUPGRADE_H
#define __PROCD_SYSUPGRADE_H

struct blob_attr;

void sysupgrade_exec_upgraded(const char *prefix, char *path,
			      const char *backup, char *command,
			      struct blob_attr *options);


#endif
